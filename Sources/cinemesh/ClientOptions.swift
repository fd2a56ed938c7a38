import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation

/// How client commands find the coordinator: `--coordinator`, else the lasting local cluster
/// (`cinemesh up`) in $CINEMESH_HOME, else client.coordinator from the configuration.
struct ClientOptions: ParsableArguments {
    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The coordinator's clients endpoint, e.g. tcp://10.0.0.5:7701.")
    var coordinator: String?

    func client() throws -> ClusterClient {
        let config = try cluster.load()
        // The lasting local cluster (`cinemesh up`) speaks plain TCP on loopback, keys or not.
        if coordinator == nil, let local = LocalCluster.running(in: CineMeshHome.cluster) {
            return try ClusterClient(endpoint: local.endpoints.clients, timeoutMilliseconds: config.clientTimeoutMilliseconds)
        }
        return try ClusterClient(config: config, endpoint: coordinator)
    }

    /// Submits `spec` (to a throwaway cluster of `local` workers when given, else to the cluster
    /// `client()` finds), follows it with a progress line, and hands the succeeded job to `then`
    /// with the client, while the cluster is still up; a job that did not succeed is an error.
    /// `quiet`: no notes and no progress line (a query's output is its result alone).
    func run(_ spec: JobSpec, local: Int?, quiet: Bool = false, then: (JobRecord, ClusterClient) throws -> Void) throws {
        func follow(_ client: ClusterClient) throws {
            let submitted = try client.submit(spec)
            if !quiet { Terminal.note("job \(submitted.id) submitted") }
            let final = try JobView.follow(submitted.id, client: client, quiet: quiet)
            guard final.state == .succeeded else {
                throw DataError(.io, "job \(final.id) \(final.state.rawValue): \(final.error ?? "no result")")
            }
            try then(final, client)
        }
        if let local {
            try withLocalCluster(workers: local, quiet: quiet, follow)
        } else {
            try follow(try client())
        }
    }

    /// Runs `body` against a throwaway local cluster of `workers` worker processes (`--local N`),
    /// stopped and removed afterwards whatever `body` does.
    func withLocalCluster(workers: Int, quiet: Bool = false, _ body: (ClusterClient) throws -> Void) throws {
        guard (1 ... 64).contains(workers) else { throw DataError(.usage, "--local takes 1 to 64 workers") }
        let config = try cluster.load()
        let directory = FileSystem.join(CineMeshHome.path, "local-\(getpid())")
        let running = try LocalCluster.start(binary: SelfBinary.path, directory: directory, workers: workers,
                                             datasetsDirectory: config.coordinatorDatasetsDirectory,
                                             configFile: cluster.configFile, settings: cluster.settings, detached: false)
        defer {
            running.stop()
            FileSystem.removeTree(directory)
        }
        if !quiet { Terminal.note("local cluster: coordinator and \(workers) workers on \(running.endpoints.workers)") }
        try body(try ClusterClient(endpoint: running.endpoints.clients, timeoutMilliseconds: config.clientTimeoutMilliseconds))
    }
}

/// How a job names its dataset: a directory that exists here is sent as an absolute path (the
/// coordinator on this box opens it); anything else is a name in the coordinator's datasets
/// directory.
func datasetReference(_ text: String) -> String {
    FileSystem.isDirectory(text) ? URL(fileURLWithPath: text).standardizedFileURL.path : text
}

/// `--param key=value` flags as a dictionary.
func keyValues(_ entries: [String], flag: String = "--param") throws -> [String: String] {
    var out: [String: String] = [:]
    for entry in entries {
        guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else { throw DataError(.usage, "\(flag) \(entry): expected key=value") }
        out[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
    }
    return out
}
