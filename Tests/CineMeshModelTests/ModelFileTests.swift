@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct ModelFileTests {
    /// What reading the model file at `path` throws, when it throws a `DataError`.
    func readError(_ path: String) -> DataError? {
        #expect(throws: DataError.self) { try ModelFile.read(path) }
    }

    func sample() throws -> ModelFile {
        var p = SVDParameters()
        p.factors = 5
        p.epochs = 2
        let blocks = [
            RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 0, 1], items: [0, 1, 1], ratings: [4, 2, 5]),
            RatingBlock(row: 0, column: 1, userRange: 0 ..< 2, itemRange: 2 ..< 3, users: [1], items: [2], ratings: [3]),
        ]
        let grid = Grid(userBoundaries: [0, 2], itemBoundaries: [0, 2, 3])
        var reports: [EpochReport] = []
        let model = try SVDTrainer(parameters: p).fit(blocks, grid: grid, users: 2, items: 3, scale: .oneToFive) { reports.append($0) }
        let metadata = ModelFile.Metadata(algorithm: "svd", hyperparameters: .svd(p), epochs: reports, metrics: ["rmse": 0.5],
                                          dataset: "tiny", datasetContentHash: "0123456789abcdef", ratingScale: .oneToFive)
        let catalog = ColumnTable(columns: [.init("item", .string(["a", "b", "c"])), .init("title", .string(["A", "B", "C"]))])
        return ModelFile(metadata: metadata, model: model, users: IdMap(ids: [.int(7), .text("u-9")]),
                         items: IdMap(ids: [.text("a"), .text("b"), .text("c")]), catalog: catalog, seen: blocks)
    }

    @Test func roundTripKeepsEverything() throws {
        let dir = "/tmp/cinemesh-model-\(UInt32.random(in: 0 ... .max))"
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let original = try sample()
        try original.write(to: dir + "/m.cmmodel")
        let back = try ModelFile.read(dir + "/m.cmmodel")
        #expect(back.model == original.model)
        #expect(back.metadata == original.metadata)
        #expect(back.users == original.users && back.items == original.items && back.catalog == original.catalog)
        #expect(Array(back.seen(user: 0)) == [0, 1] && Array(back.seen(user: 1)) == [1, 2])
    }

    @Test func damageAndVersionAreRefused() throws {
        let dir = "/tmp/cinemesh-model-\(UInt32.random(in: 0 ... .max))"
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let path = dir + "/m.cmmodel"
        let bytes = try sample().encoded()
        for offset in stride(from: 0, to: bytes.count, by: 97) {
            var damaged = bytes
            damaged[offset] ^= 0x08
            try AtomicFile.write(damaged, to: path)
            #expect(readError(path)?.kind == .damaged, "flip at \(offset)")
        }
        try AtomicFile.write(Array(bytes.prefix(100)), to: path)
        #expect(readError(path)?.kind == .damaged)
        var future = bytes
        future[8] = 2
        var w = BinaryWriter()
        w.put(raw: Array(future.dropLast(8)))
        w.appendChecksum()
        try AtomicFile.write(w.bytes, to: path)
        #expect(readError(path)?.description == "\(path): model format version 2 is not supported (this build reads version 1)")
    }

    /// A well-formed, checksummed file whose factors are not all finite is refused by name: it
    /// would poison every score it touches.
    @Test func aNonFiniteFactorIsRefused() throws {
        let dir = "/tmp/cinemesh-model-\(UInt32.random(in: 0 ... .max))"
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let path = dir + "/m.cmmodel"
        for bad in [Float.infinity, -.infinity, .nan] {
            var file = try sample()
            file.model.items[1, 2] = bad
            try AtomicFile.write(try file.encoded(), to: path)
            let error = readError(path)
            #expect(error?.kind == .damaged)
            #expect(error?.description.contains("item factors: value 7 is \(bad), not a finite number") == true, "\(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func npyHeaderIsAlignedAndDescribesTheArray() {
        let bytes = ModelFile.npy([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(Array(bytes.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10 ..< 10 + headerLength], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") && header.hasSuffix("\n"))
        #expect(bytes.count == 10 + headerLength + 24)
        #expect(String(decoding: ModelFile.npy([1], shape: [1]).dropFirst(10).prefix(60), as: UTF8.self).contains("'shape': (1,)"))
    }
}
