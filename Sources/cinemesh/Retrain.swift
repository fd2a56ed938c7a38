import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation

struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append the new files of a drop directory to a dataset, train on the cluster and publish the model if it is no worse than the serving one.",
        discussion: """
        The daily retraining flow (deploy/systemd/cinemesh-retrain.timer runs it). Each regular file in DROP whose name does not start with a dot is appended to DATASET as a version of its own, in name order, then moved to DROP/done/; a file that fails is moved to DROP/failed/ with its error beside it in NAME.error. A file whose checksum the dataset already records (an earlier run stopped before moving it) is moved to done/ without being appended again. Then one train job runs on the cluster with --promote-if-better and records the appended files in its parameters; the job registry keeps its result and decision.

        With no new file nothing is trained. Exit status: 0 when every file was appended and the job succeeded, whether or not the model was promoted; 1 when a file failed (after training on the rest) or the job failed; 64 for bad usage.

        Examples:
          cinemesh retrain /var/lib/cinemesh/datasets/shop --drop /var/lib/cinemesh/drop/shop --promote-if-better rmse:0.001 --epochs 20
          cinemesh retrain datasets/sample --drop drop/sample --local 2 --promote-if-better rmse
        """
    )

    @Argument(help: "The dataset directory to append to and train on (on the coordinator's box).")
    var dataset: String

    @Option(help: "The drop directory the new files arrive in (write them under a dot name, then rename).")
    var drop: String

    @Option(help: "METRIC[:TOLERANCE]: publish the new model only if its held-out METRIC is no worse than the serving model's (see `cinemesh train`).")
    var promoteIfBetter: String

    @OptionGroup var rows: RowOptions

    @OptionGroup var options: TrainSpecOptions

    @Option(help: "The name the model is published under (default: DATASET/ALGORITHM).")
    var name: String?

    @Option(help: "Train on a throwaway local cluster of N worker processes instead of the running cluster.")
    var local: Int?

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let spec = try options.spec(name: name, promoteIfBetter: promoteIfBetter)
            guard FileSystem.isDirectory(dataset) else { throw DataError(.usage, file: dataset, "no such dataset directory") }
            let lock = try FileLock(path: FileSystem.join(drop, ".retrain.lock"), holder: "another retrain of this drop directory")
            defer { lock.unlock() }
            let intake = try DropIntake(drop: drop, dataset: dataset, options: try rows.options()).run()
            guard !intake.appended.isEmpty else {
                guard intake.failed.isEmpty else { throw DataError(.badRow, file: drop, intake.failureMessage) }
                print("retrain: no new files in \(drop); nothing to train")
                return
            }
            var trained = spec
            trained.appended = intake.appended.joined(separator: ", ")
            try client.run(JobSpec(type: "train", dataset: datasetReference(dataset), parameters: trained.parameters), local: local) { final, _ in
                guard let json = final.result else { throw DataError(.io, "job \(final.id) left no result") }
                let result = try JSONDecoder().decode(TrainingResult.self, from: Data(json.utf8))
                print("job \(final.id):")
                print(result.summary(showingFile: local == nil))
            }
            if !intake.failed.isEmpty { throw DataError(.badRow, file: drop, intake.failureMessage) }
        }
    }
}
