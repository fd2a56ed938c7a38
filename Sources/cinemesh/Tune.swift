import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search hyper-parameters on the cluster: one trial per worker at a time, all on the same split; prints the trials ranked and the best.",
        discussion: """
        Each trial trains a whole model with the one-process trainer on a worker and scores it on the held-out \
        ratings: by RMSE for svd and als, by NDCG@10 for als-implicit. --grid gives the values to try per \
        parameter (the names of `cinemesh train`'s flags in snake case); --random N tries N of the combinations, \
        drawn with --seed. Every other train parameter can be fixed with --param.

        Examples:
          cinemesh tune datasets/ml-100k --local 2 --grid "reg=0.02,0.05,0.1;lr=0.005,0.01" --epochs 30
          cinemesh tune datasets/ml-100k --cluster --algo als --grid "factors=20,50;reg=0.05,0.1,0.15" --random 4
        """
    )

    @Argument(help: "Dataset: a directory, or a name in the coordinator's datasets directory.")
    var dataset: String

    @OptionGroup var options: TrainSpecOptions

    @Option(help: ArgumentHelp("Values to try, KEY=V1,V2 separated by ';'.", valueName: "grid"))
    var grid: String

    @Option(help: "Try this many combinations, drawn at random (with --seed), instead of all of them.")
    var random: Int?

    @Option(name: .customLong("param"), help: ArgumentHelp("A train parameter every trial shares (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: "Run on a throwaway local cluster of N worker processes.")
    var local: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            // Every trial shares the spec the flags describe; the grid varies it.
            var p = try options.spec().parameters
            p["grid"] = grid
            if let random { p["search"] = "random"; p["trials"] = String(random) }
            p.merge(try keyValues(parameters)) { _, new in new }
            let path = datasetReference(dataset)
            try client.run(JobSpec(type: "tune", dataset: path, parameters: p), local: local) { final, _ in
                print(json ? (final.result ?? "") : (final.summary ?? ""))
            }
        }
    }
}
