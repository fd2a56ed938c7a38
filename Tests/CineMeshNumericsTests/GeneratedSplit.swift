@testable import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// Generated data written as a dataset in a temporary directory (removed again), loaded, and split
/// at random by rating: the common setup of the numerics tests.
struct GeneratedSplit {
    let ds: Dataset
    let truth: GroundTruth
    let train: [RatingBlock]
    let test: [RatingBlock]

    init(_ config: GeneratorConfig, grid: GridShape = .standard, testFraction: Double = 0.2, splitSeed: UInt64 = 1) throws {
        let g = try RatingGenerator(config: config).generate()
        let dir = "/tmp/cinemesh-fixture-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        _ = try g.writeDataset(to: dir, grid: grid, overwrite: false)
        ds = try Dataset(path: dir)
        (train, test) = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: testFraction, seed: splitSeed)
        truth = g.truth
    }

    var users: Int { ds.manifest.users }
    var items: Int { ds.manifest.items }
    var scale: RatingScale { ds.manifest.ratingScale }
}
