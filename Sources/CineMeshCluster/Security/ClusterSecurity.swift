import CZeroMQ
import CineMeshData

/// The coordinator's side of CURVE: its key pair and the allow-list its ZAP handler reads.
public struct CurveServer: Sendable {
    public var keys: CurveKeyPair
    public var allowListPath: String
}

/// A peer's side of CURVE: the coordinator's public key, which it checks, and its own pair.
public struct CurveClient: Sendable {
    public var serverKey: CurveKey
    public var keys: CurveKeyPair
    public var role: PeerRole
}

/// How a process secures its ZeroMQ connections, from `security.keys_dir` (docs/SECURITY.md):
///
/// - Set: CURVE everywhere. The coordinator reads `coordinator.key_secret` and `allow.list`
///   there; a worker, client or gateway reads its own `ROLE.key_secret` and the coordinator's
///   public `coordinator.key`.
/// - Empty: plain TCP, allowed only on loopback (and `ipc://`, `inproc://`), with a warning, so a
///   cluster on one box runs with no keys; a non-loopback endpoint without keys stops the process.
public enum ClusterSecurity {
    /// The allow-list's file name in the keys directory.
    public static let allowListName = "allow.list"

    /// The coordinator's CURVE setup, or nil for plain TCP (then both endpoints must be loopback).
    public static func server(_ config: ClusterConfig) throws -> CurveServer? {
        guard !config.securityKeysDirectory.isEmpty else {
            for (key, endpoint) in [("coordinator.workers_endpoint", config.coordinatorWorkersEndpoint),
                                    ("coordinator.clients_endpoint", config.coordinatorClientsEndpoint)] where !isLocal(endpoint) {
                throw ConfigError(origin: key, "'\(endpoint)' is reachable from other boxes, which needs CURVE: set security.keys_dir (`cinemesh keys generate --role coordinator --out DIR` makes the keys; docs/SECURITY.md)")
            }
            return nil
        }
        let dir = config.securityKeysDirectory
        let own = try KeyFile.read(FileSystem.join(dir, KeyFile.secretName(.coordinator)), secret: true)
        let allowList = FileSystem.join(dir, allowListName)
        return CurveServer(keys: try CurveKeyPair(secretKey: own.secretKey!), allowListPath: allowList)
    }

    /// A peer's CURVE setup for connecting to `endpoint` as `role`, or nil for plain TCP (then
    /// `endpoint` must be loopback).
    public static func client(_ config: ClusterConfig, role: PeerRole, endpoint: String) throws -> CurveClient? {
        guard !config.securityKeysDirectory.isEmpty else {
            guard isLocal(endpoint) else {
                throw ConfigError(origin: "security.keys_dir", "connecting to \(endpoint) on another box needs CURVE keys: set security.keys_dir to a directory holding \(KeyFile.secretName(role)) and \(KeyFile.publicName(.coordinator)) (docs/SECURITY.md)")
            }
            return nil
        }
        let dir = config.securityKeysDirectory
        let own = try KeyFile.read(FileSystem.join(dir, KeyFile.secretName(role)), secret: true)
        let server = try KeyFile.read(FileSystem.join(dir, KeyFile.publicName(.coordinator)), secret: false)
        guard server.role == .coordinator else {
            throw DataError(.usage, file: FileSystem.join(dir, KeyFile.publicName(.coordinator)), "holds a \(server.role.rawValue) key, not the coordinator's")
        }
        return CurveClient(serverKey: server.publicKey, keys: try CurveKeyPair(secretKey: own.secretKey!), role: role)
    }

    /// Whether an endpoint is reachable from this box only: loopback TCP, `ipc://`, `inproc://`.
    public static func isLocal(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        // tcp://source;destination: the destination decides.
        if let semicolon = host.lastIndex(of: ";") { host = String(host[host.index(after: semicolon)...]) }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension ZMQSocket {
    /// Makes this (ROUTER) socket a CURVE server whose handshakes the ZAP handler judges under
    /// `domain`. Before `bind`.
    func secure(as server: CurveServer, domain: String) throws {
        try setOption(ZMQ_CURVE_SERVER, 1)
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(server.keys.secretKey.z85.utf8) + [0])
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
    }

    /// Makes this socket a CURVE client that talks only to the holder of `client.serverKey`.
    /// Before `connect`.
    func secure(as client: CurveClient) throws {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(client.serverKey.z85.utf8) + [0])
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(client.keys.publicKey.z85.utf8) + [0])
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(client.keys.secretKey.z85.utf8) + [0])
    }
}
