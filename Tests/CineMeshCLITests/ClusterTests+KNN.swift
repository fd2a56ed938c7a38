import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshNumerics
import Foundation
import Testing

/// item-knn and user-knn on the cluster: each grid line's similarity rows on a worker, the lines'
/// lists put together on the coordinator.
extension ClusterTests {
    /// The result of a neighbourhood `train` job on `workers`.
    func neighborhoodOnCluster(_ scratch: Scratch, workers: Int, parameters: [String: String]) throws -> NeighborhoodResult {
        let done = try trainJobOnCluster(scratch, workers: workers, parameters: parameters).0
        return try JSONDecoder().decode(NeighborhoodResult.self, from: Data(try #require(done.result).utf8))
    }

    @Test func itemKNNListsAreIdenticalOnOneTwoAndThreeWorkersAndEqualTheSingleProcessLists() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let parameters = ["algo": "item-knn", "split": "random:0.2", "split_seed": "42"]
        let runs = try [1, 2, 3].map { try neighborhoodOnCluster(scratch, workers: $0, parameters: parameters) }
        #expect(Set(runs.map(\.neighborsChecksum)).count == 1, "1, 2 and 3 workers: \(runs.map(\.neighborsChecksum))")
        // 4 grid columns, a task each.
        #expect(runs.allSatisfy { $0.lines == 4 })
        let spec = try TrainSpec(parameters: parameters)
        let run = try OneProcessTraining(spec: spec, dataset: ds, datasetsDirectory: scratch.path)
        let single = try run.fitNeighborhood()
        #expect(single.neighbors.checksum == runs[0].neighborsChecksum, "the cluster's lists are not the one-process lists")
        let errors = run.evaluation.errors(of: single, scale: ds.manifest.ratingScale)
        #expect(runs[0].metrics["rmse"] == errors.rmse && runs[0].metrics["mae"] == errors.mae)
    }

    /// User rows by grid rows, bounded lists, a split that reads whole grid rows.
    @Test func userKNNWithBoundedListsOnTheClusterEqualsOneProcess() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let parameters = ["algo": "user-knn", "sim": "pearson", "knn": "means", "neighbors": "50", "k": "20", "split": "last:2", "split_seed": "7"]
        let cluster = try neighborhoodOnCluster(scratch, workers: 2, parameters: parameters)
        let spec = try TrainSpec(parameters: parameters)
        let single = try OneProcessTraining(spec: spec, dataset: ds, datasetsDirectory: scratch.path).fitNeighborhood()
        #expect(single.neighbors.checksum == cluster.neighborsChecksum)
        #expect((0 ..< single.neighbors.count).allSatisfy { single.neighbors.list($0).neighbors.count <= 50 })
    }
}
