import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshModel
import CineMeshNumerics
import Foundation
import Testing

/// nmf on the cluster: per-block sums added in block order on the coordinator.
extension ClusterTests {
    @Test func nmfModelFilesAreByteIdenticalOnOneTwoAndThreeWorkersAndEqualTheSingleProcessModel() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let parameters = ["algo": "nmf", "factors": "6", "epochs": "4", "seed": "5", "split": "random:0.2", "split_seed": "42"]
        let runs = try [1, 2, 3].map { try trainOnCluster(scratch, workers: $0, parameters: parameters) }
        let hashes = runs.map { XXHash64.hash($0.1) }
        #expect(hashes[0] == hashes[1] && hashes[1] == hashes[2], "1, 2 and 3 workers: \(hashes)")
        var p = NMFParameters()
        p.factors = 6; p.epochs = 4; p.seed = 5
        let split = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: 0.2, seed: 42)
        let single = try NMFTrainer(parameters: p).fit(split.train, users: ds.manifest.users, items: ds.manifest.items, scale: ds.manifest.ratingScale)
        let path = scratch.sub("nmf.cmmodel")
        _ = try AtomicFile.write(runs[0].1, to: path)
        let model = try ModelFile.read(path)
        let same = model.model == single
        #expect(same, "the cluster's model is not the one-process model")
        #expect(model.metadata.algorithm == "nmf" && model.metadata.epochs.count == 4)
        #expect(model.model.users.values.allSatisfy { $0 >= 0 } && model.model.items.values.allSatisfy { $0 >= 0 })
    }

    /// Biased NMF's SGD bias steps are sequential over all ratings: the cluster refuses it.
    @Test func biasedNMFIsRefusedOnTheCluster() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 1)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        #expect(throws: ClusterClient.Failure.self) {
            try client.submit(JobSpec(type: "train", dataset: "sample", parameters: ["algo": "nmf", "biased": "true"]))
        }
    }
}
