@testable import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshStore
import Testing

@Suite struct ModelStoreTests {
    func model(seed: UInt64) throws -> ModelFile {
        var p = SVDParameters()
        p.factors = 4
        p.epochs = 1
        p.seed = seed
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 1], items: [1, 0], ratings: [4, 2])
        let grid = Grid(userBoundaries: [0, 2], itemBoundaries: [0, 2])
        let m = try SVDTrainer(parameters: p).fit([block], grid: grid, users: 2, items: 2, scale: .oneToFive)
        let meta = ModelFile.Metadata(algorithm: "svd", hyperparameters: .svd(p), epochs: [], metrics: ["rmse": Double(seed)],
                                      dataset: "tiny", datasetContentHash: "00000000000000aa", ratingScale: .oneToFive)
        return ModelFile(metadata: meta, model: m, users: IdMap(ids: [.int(1), .int(2)]), items: IdMap(ids: [.int(10), .int(20)]),
                         catalog: nil, seen: [block])
    }

    func temp() -> String { "/tmp/cinemesh-store-\(UInt32.random(in: 0 ... .max))" }

    /// Models have names (default DATASET/ALGORITHM); each name keeps its own newest versions.
    @Test func eachNameKeepsItsOwnVersions() throws {
        let dir = temp()
        defer { FileSystem.removeTree(dir) }
        let store = try ModelStore(directory: dir, keep: 2)
        #expect(try store.publish(try model(seed: 1)).name == "tiny/svd")
        for seed in 2 ... 4 { try store.publish(try model(seed: UInt64(seed)), name: "shop-a") }
        #expect(try store.latest()?.version == 4)
        #expect(try store.latest(name: "tiny/svd")?.version == 1, "another name's versions do not prune it")
        #expect(try store.latest(name: "shop-a")?.version == 4)
        #expect(try store.list().map(\.version) == [4, 3, 1])
        #expect(try store.names() == ["shop-a", "tiny/svd"])
        #expect(try ModelStore(directory: dir).latest(name: "tiny/svd")?.name == "tiny/svd")
        #expect(throws: DataError.self) { try store.publish(try model(seed: 5), name: "bad name!") }
    }

    @Test func versionsArePrunedBeyondKeepAndSurviveReopening() throws {
        let dir = temp()
        defer { FileSystem.removeTree(dir) }
        let store = try ModelStore(directory: dir, keep: 2)
        for seed in 1 ... 3 { try store.publish(try model(seed: UInt64(seed))) }
        #expect(try store.list().map(\.version) == [3, 2])
        #expect(try store.list(includePruned: true).map(\.pruned) == [false, false, true])
        #expect(!FileSystem.exists(dir + "/model-v000001.cmmodel"))
        #expect(FileSystem.exists(dir + "/model-v000003.cmmodel"))
        let reopened = try ModelStore(directory: dir, keep: 2)
        let (record, file) = try reopened.load()
        #expect(record.version == 3 && record.metrics["rmse"] == 3)
        #expect(file.model == (try model(seed: 3)).model)
        #expect(try reopened.load(version: 2).0.version == 2)
        #expect(dataErrorOf { _ = try reopened.load(version: 1) }?.message == "model version 1 was pruned (kept versions: 3, 2)")
        #expect(dataErrorOf { _ = try reopened.load(version: 9) }?.message == "no model version 9 (versions: 3, 2, 1)")
    }

    @Test func tamperedFilesAndEmptyStoresAreClearErrors() throws {
        let dir = temp()
        defer { FileSystem.removeTree(dir) }
        let store = try ModelStore(directory: dir)
        #expect(dataErrorOf { _ = try store.load() }?.message == "the model store is empty; train with --store \(dir)")
        let record = try store.publish(try model(seed: 1))
        let path = dir + "/" + record.file
        var bytes = try FileSystem.readAll(path)
        bytes[40] ^= 1
        try AtomicFile.write(bytes, to: path)
        #expect(dataErrorOf { _ = try store.load() }?.description.hasPrefix("\(path): does not match the registry") == true)
    }

    @Test func installKeepsTheOriginsVersionNumberAndRefusesConflictsAndNonModels() throws {
        let origin = temp(), replica = temp()
        defer { FileSystem.removeTree(origin); FileSystem.removeTree(replica) }
        let source = try ModelStore(directory: origin)
        for seed in 1 ... 3 { try source.publish(try model(seed: UInt64(seed))) }
        let published = try source.list()[0]
        let store = try ModelStore(directory: replica, keep: 2)
        func arriving(_ record: ModelRecord) throws -> String {
            let path = replica + "/incoming.partial"
            try AtomicFile.write(try FileSystem.readAll(origin + "/" + record.file), to: path)
            return path
        }
        let installed = try store.install(try arriving(published), version: published.version, createdAt: published.createdAt)
        #expect(installed.version == 3 && installed.xxh64 == published.xxh64 && installed.createdAt == published.createdAt)
        #expect(installed.metrics == ["rmse": 3] && installed.file == "model-v000003.cmmodel")
        #expect(!FileSystem.exists(replica + "/incoming.partial"))
        #expect(try store.load().0 == installed)
        // The same version again is a no-op; other content under that number is refused.
        #expect(try store.install(try arriving(published), version: 3, createdAt: "later") == installed)
        let other = try source.list()[1]
        #expect(dataErrorOf { _ = try store.install(try arriving(other), version: 3, createdAt: other.createdAt) }?.message
            .hasPrefix("already holds model version 3 with other content") == true)
        // A file that is not a model leaves no row.
        let junk = replica + "/junk.partial"
        try AtomicFile.write(Array(repeating: 7, count: 100), to: junk)
        #expect(dataErrorOf { _ = try store.install(junk, version: 4, createdAt: "now") } != nil)
        #expect(try store.list(includePruned: true).map(\.version) == [3])
        // Later versions keep their numbers, and the window prunes as for published ones.
        try store.install(try arriving(other), version: 5, createdAt: other.createdAt)
        try store.install(try arriving(published), version: 6, createdAt: published.createdAt)
        #expect(try store.list().map(\.version) == [6, 5])
        #expect(try store.list(includePruned: true).map(\.version) == [6, 5, 3])
    }
}

func dataErrorOf(_ body: () throws -> Void) -> DataError? {
    do { try body() } catch let e as DataError { return e } catch { return nil }
    return nil
}
