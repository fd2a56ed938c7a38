import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a job to the cluster and print its id (or, with --follow or --local, follow it to the end).",
        discussion: """
        The job comes from a spec file (JSON {"type", "dataset", "parameters"} or TOML with type, dataset and a \
        [parameters] table) or from --type, --dataset and --param. A dataset that is a directory here is sent as \
        an absolute path; otherwise it names a dataset in the coordinator's coordinator.datasets_dir.

        Job types: stats (per-block counts, sums, extremes, histograms, merged; parameter task_delay_ms).

        Examples:
          cinemesh submit --local 2 --type stats --dataset .cinemesh/datasets/sample
          cinemesh submit jobs/stats.toml --follow
        """
    )

    @Argument(help: "Job spec file (.json or .toml).")
    var spec: String?

    @Option(help: "Job type (instead of a spec file).")
    var type: String?

    @Option(help: "Dataset: a directory, or a name in the coordinator's datasets directory.")
    var dataset: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A job parameter (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: "Run on a throwaway local cluster of N worker processes, stopped at the end.")
    var local: Int?

    @Flag(help: "Follow the job with a progress line until it ends, then print its result.")
    var follow = false

    @Flag(help: "With --follow or --local: print the result as JSON.")
    var json = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            var spec = try makeSpec()
            if FileSystem.isDirectory(spec.dataset) {
                spec.dataset = URL(fileURLWithPath: spec.dataset).standardizedFileURL.path
            }
            if let local {
                guard (1 ... 64).contains(local) else { throw DataError(.usage, "--local takes 1 to 64 workers") }
                let config = try client.cluster.load()
                let directory = FileSystem.join(CineMeshHome.path, "local-\(getpid())")
                let cluster = try LocalCluster.start(binary: SelfBinary.path, directory: directory, workers: local,
                                                     datasetsDirectory: config.coordinatorDatasetsDirectory,
                                                     configFile: client.cluster.configFile, settings: client.cluster.settings,
                                                     detached: false)
                defer {
                    cluster.stop()
                    FileSystem.removeTree(directory)
                }
                Terminal.note("local cluster: coordinator and \(local) workers on \(cluster.endpoints.workers)")
                let c = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: config.clientTimeoutMilliseconds)
                try runJob(spec, client: c, follow: true)
            } else {
                try runJob(spec, client: try client.client(), follow: follow)
            }
        }
    }

    private func runJob(_ spec: JobSpec, client: ClusterClient, follow: Bool) throws {
        let record = try client.submit(spec)
        guard follow else {
            print(record.id)
            return
        }
        Terminal.note("job \(record.id) submitted")
        let final = try JobView.follow(record.id, client: client)
        if json, let result = final.result {
            print(result, terminator: result.hasSuffix("\n") ? "" : "\n")
        } else {
            print(JobView.detail(final))
        }
        if final.state != .succeeded { throw ExitCode(1) }
    }

    private func makeSpec() throws -> JobSpec {
        var params: [String: String] = [:]
        for p in parameters {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else { throw DataError(.usage, "--param \(p): expected key=value") }
            params[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        if let path = spec {
            guard type == nil, dataset == nil else { throw DataError(.usage, "give a spec file or --type/--dataset, not both") }
            var s = try JobSpec.read(path)
            s.parameters.merge(params) { _, new in new }
            return s
        }
        guard let type, let dataset else { throw DataError(.usage, "give a spec file, or --type and --dataset") }
        return JobSpec(type: type, dataset: dataset, parameters: params)
    }
}
