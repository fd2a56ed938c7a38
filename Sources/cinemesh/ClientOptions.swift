import ArgumentParser
import CineMeshCluster
import CineMeshData

/// How client commands find the coordinator: `--coordinator`, else the lasting local cluster
/// (`cinemesh up`) in $CINEMESH_HOME, else client.coordinator from the configuration.
struct ClientOptions: ParsableArguments {
    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The coordinator's clients endpoint, e.g. tcp://10.0.0.5:7701.")
    var coordinator: String?

    func client() throws -> ClusterClient {
        let config = try cluster.load()
        let endpoint = coordinator ?? LocalCluster.running(in: CineMeshHome.cluster)?.endpoints.clients ?? config.clientCoordinator
        return try ClusterClient(endpoint: endpoint, timeoutMilliseconds: config.clientTimeoutMilliseconds)
    }
}
