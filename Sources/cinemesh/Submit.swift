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

        Job types: stats (per-block counts, sums, extremes, histograms, merged; parameter task_delay_ms); \
        train (svd by stratified distributed SGD; parameters as `cinemesh train`'s flags in snake case: factors, \
        epochs, lr, reg, lr_bias, reg_bias, lr_decay, init_std, seed, early_stopping, no_bias, alpha, \
        positive_threshold, cg_steps, split, split_seed; algo svd, als, als-implicit or baseline); tune (a search as parallel \
        trials: grid=KEY=V1,V2;KEY2=..., search=grid|random, trials=N, plus shared train parameters); query (a SQL \
        query, docs/QUERY.md: sql=..., max_rows=N, task_delay_ms; the result is kept in the job registry).

        Examples:
          cinemesh submit --local 2 --type stats --dataset .cinemesh/datasets/sample
          cinemesh submit jobs/stats.toml --follow
          cinemesh submit --local 2 --type query --dataset .cinemesh/datasets/sample \
            --param "sql=SELECT genre, count(*) FROM ratings JOIN titles USING (item) GROUP BY genre"
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
            spec.dataset = datasetReference(spec.dataset)
            if let local {
                try client.withLocalCluster(workers: local) { try runJob(spec, client: $0, follow: true) }
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
        let params = try keyValues(parameters)
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
