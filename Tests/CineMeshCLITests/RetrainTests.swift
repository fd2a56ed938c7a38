import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshStore
import Foundation
import Testing

/// Scheduled retraining: `train --promote-if-better` in one process and as a cluster job (its
/// decision in the job registry), and `cinemesh retrain` over a drop directory.
@Suite(.serialized) struct RetrainTests {
    let cli = ClusterCLITests()
    let helpers = ClusterTests()

    /// A small generated dataset.
    func small(_ scratch: Scratch) throws -> String {
        let out = scratch.sub("gen")
        let r = try cinemesh(["generate", "--ratings", "5000", "--users", "100", "--items", "200", "--seed", "3", "--dataset", out])
        #expect(r.status == 0, "\(r.stderr)")
        return out
    }

    @Test func oneProcessPromotesABetterModelAndRefusesAWorseOne() throws {
        let scratch = Scratch()
        let dataset = try small(scratch), store = scratch.sub("models")
        let common = ["train", dataset, "--store", store, "--name", "gen/best"]
        let first = try cinemesh(common + ["--algo", "baseline", "--promote-if-better", "rmse"])
        #expect(first.status == 0 && first.stdout.contains("no serving model") && first.stdout.contains("published version 1"), "\(first.stdout)\(first.stderr)")
        // svd with no epoch predicts about the mean: worse than the baseline on the same held-out ratings.
        let worse = try cinemesh(common + ["--algo", "svd", "--epochs", "0", "--promote-if-better", "rmse:0.001"])
        #expect(worse.status == 0 && worse.stdout.contains("not promoted") && !worse.stdout.contains("published"), "\(worse.stdout)\(worse.stderr)")
        // The same model again is no worse (tolerance 0), and a negative tolerance asks for a gain it does not bring.
        let again = try cinemesh(common + ["--algo", "baseline", "--promote-if-better", "mae"])
        #expect(again.stdout.contains("serving model (version 1)") && again.stdout.contains("published version 2"), "\(again.stdout)\(again.stderr)")
        let demanding = try cinemesh(common + ["--algo", "baseline", "--promote-if-better", "rmse:-0.01"])
        #expect(demanding.stdout.contains("not promoted"), "\(demanding.stdout)")
        #expect(try ModelStore(directory: store).list().map(\.version) == [2, 1])
        let bad = try cinemesh(common + ["--promote-if-better", "speed"])
        #expect(bad.status == 64 && bad.stderr.contains("METRIC[:TOLERANCE]"), "\(bad.stderr)")
        let noHeldOut = try cinemesh(common + ["--split", "none", "--promote-if-better", "rmse"])
        #expect(noHeldOut.status == 64 && noHeldOut.stderr.contains("held-out"), "\(noHeldOut.stderr)")
    }

    @Test func aClusterJobRecordsItsDecisionInTheRegistry() throws {
        let scratch = Scratch()
        _ = try helpers.sampleDataset(scratch)
        let cluster = try helpers.start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let training = ModelFeedTests.training
        func train(_ extra: [String: String]) throws -> (JobRecord, TrainingResult) {
            let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: training.merging(extra) { $1 }))
            let done = try helpers.wait(client, job.id, seconds: 120)
            #expect(done.state == .succeeded, "\(done.error ?? "")")
            return (done, try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(done.result).utf8)))
        }
        let (_, first) = try train(["promote_if_better": "rmse"])
        #expect(first.promotion?.promoted == true && first.promotion?.serving == nil && first.modelVersion == 1)
        let (record, refused) = try train(["promote_if_better": "rmse:-0.5", "seed": "2"])
        let decision = try #require(refused.promotion)
        #expect(!decision.promoted && decision.servingVersion == 1 && decision.serving != nil && decision.candidate == refused.metrics["rmse"])
        #expect(refused.modelVersion == nil && refused.modelRef == nil)
        #expect(record.summary?.contains("not promoted") == true, "\(record.summary ?? "")")
        #expect(refused.datasetVersion == 1 && refused.datasetContentHash != nil)
        // Checked at submit: a metric the job does not report, a rule without a held-out set.
        #expect(throws: ClusterClient.Failure.self) { try client.submit(JobSpec(type: "train", dataset: "sample", parameters: ["promote_if_better": "auc"])) }
        #expect(throws: ClusterClient.Failure.self) {
            try client.submit(JobSpec(type: "train", dataset: "sample", parameters: ["promote_if_better": "rmse", "split": "none"]))
        }
    }

    @Test func retrainProcessesADropDirectoryOnceAndIsIdempotent() throws {
        let scratch = Scratch()
        let dataset = try cli.sample(scratch)
        let drop = scratch.sub("drop")
        _ = scratch.file("drop/day1.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1733000000\n5001,1,5.0,1733000001\n5001,2,3.0,1733000002\n")
        _ = scratch.file("drop/.day2.csv.partial", "userId,movieId,rating,timestamp\n")
        let home = ["CINEMESH_HOME": scratch.sub("home")]
        let flags = ["retrain", dataset, "--drop", drop, "--local", "2", "--promote-if-better", "rmse", "--factors", "4", "--epochs", "2", "--duplicates", "last"]
            + ClusterCLITests.fast
        let run = try cinemesh(flags, timeout: 300, environment: home)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("promote-if-better rmse") && run.stdout.contains("appended before the run: day1.csv (version 2)"), "\(run.stdout)")
        #expect(FileSystem.exists(drop + "/done/day1.csv") && !FileSystem.exists(drop + "/day1.csv"))
        #expect(FileSystem.exists(drop + "/.day2.csv.partial"))
        let ds = try Dataset(path: dataset)
        #expect(ds.manifest.datasetVersion == 2 && ds.users.index(of: "5001") != nil)
        // Version 1 went once the job on version 2 ended: no job uses it.
        #expect(try Dataset.versions(at: dataset) == [2])

        let rerun = try cinemesh(flags, timeout: 300, environment: home)
        #expect(rerun.status == 0 && rerun.stdout.contains("nothing to train"), "\(rerun.stdout)\(rerun.stderr)")
        #expect(try Dataset(path: dataset).manifest.datasetVersion == 2)

        // A file the dataset already records (a run that stopped before moving it) is not appended twice.
        try FileSystem.rename(drop + "/done/day1.csv", drop + "/day1.csv")
        _ = scratch.file("drop/day3.csv", "userId,movieId,rating,timestamp\n5002,1,7.0,1733000003\n")
        let third = try cinemesh(flags, timeout: 300, environment: home)
        #expect(third.status == 1 && third.stderr.contains("day3.csv"), "\(third.stdout)\(third.stderr)")
        #expect(third.stdout.contains("day1.csv (already in the dataset)"), "\(third.stdout)")
        #expect(FileSystem.exists(drop + "/failed/day3.csv") && FileSystem.exists(drop + "/failed/day3.csv.error"))
        #expect(try Dataset(path: dataset).manifest.datasetVersion == 2)
    }
}
