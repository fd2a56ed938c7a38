import ArgumentParser
import CineMeshCluster

/// The error that ends a worker or gateway a coordinator refused for good (`Refusal`): a wrong
/// endpoint is a configuration error (exit 64, naming `setting`); another protocol version is
/// said as which version each side speaks, with exit 76 (sysexits' EX_PROTOCOL), which the
/// systemd units do not restart (deploy/systemd: RestartPreventExitStatus).
func refused(_ refusal: Refusal, peer: String, setting: String, endpoint: String) -> Error {
    if refusal.isWrongEndpoint {
        return ConfigError(origin: setting, "\(endpoint): \(refusal.error.message)")
    }
    Terminal.error(refusal.explanation(peer: peer, coordinator: endpoint))
    return ExitCode(76)
}
