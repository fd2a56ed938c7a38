@testable import CineMeshData
import Testing

@Suite struct ShardFileTests {
    func sampleBlock(n: Int, wide: Bool = false) -> RatingBlock {
        var rng = SeededRandom(seed: 3)
        var b = RatingBlock(row: 1, column: 2, userRange: 100 ..< 200, itemRange: 50 ..< 90)
        for _ in 0 ..< n {
            b.users.append(100 + UInt32(rng.below(100)))
            b.items.append(50 + UInt32(rng.below(40)))
            b.ratings.append(Float(1 + rng.below(9)) * 0.5)
            b.timestamps.append(wide ? Int64(rng.below(1 << 40)) - (1 << 39) : 880_000_000 + Int64(rng.below(50_000_000)))
        }
        return b
    }

    @Test(arguments: [0, 1, 1000])
    func roundTripIsExact(n: Int) throws {
        let dir = TempDir("shard")
        for wide in [false, true] {
            let block = sampleBlock(n: n, wide: wide)
            let path = dir.sub("b\(wide).shard")
            let (bytes, _) = try ShardFile.write(block, scale: .halfStars, to: path)
            // 64-bit timestamps only when the block's range does not fit 32-bit offsets.
            let needsWide = wide && n > 1
            #expect(Int(bytes) == 80 + n * (needsWide ? 20 : 16) + 8)
            #expect(try ShardFile.read(path) == block)
            var noTime = block
            noTime.timestamps = []
            #expect(try ShardFile.read(path, includeTimestamps: false) == noTime)
            let header = try ShardFile.readHeader(path)
            #expect(header.scale == .halfStars && header.wideTimestamps == needsWide && header.count == n)
        }
    }

    @Test func everyFlippedByteIsDetected() throws {
        let dir = TempDir("shard-flip")
        let path = dir.sub("b.shard")
        try ShardFile.write(sampleBlock(n: 40), scale: .oneToFive, to: path)
        let original = try FileSystem.readAll(path)
        for offset in stride(from: 0, to: original.count, by: 7) {
            var damaged = original
            damaged[offset] ^= 0x10
            try AtomicFile.write(damaged, to: path)
            let error = dataError { _ = try ShardFile.read(path) }
            #expect(error?.kind == .damaged || error?.kind == .versionMismatch, "flip at \(offset) undetected")
            #expect(error?.file == path)
        }
        try AtomicFile.write(original, to: path)
        #expect(try ShardFile.read(path).count == 40)
    }

    @Test func truncationAndVersionAreReported() throws {
        let dir = TempDir("shard-trunc")
        let path = dir.sub("b.shard")
        try ShardFile.write(sampleBlock(n: 10), scale: .oneToFive, to: path)
        let original = try FileSystem.readAll(path)
        try AtomicFile.write(Array(original.dropLast(5)), to: path)
        #expect(dataError { _ = try ShardFile.read(path) }?.message == "size is \(original.count - 5) bytes but the header describes \(original.count) (truncated or damaged)")
        var future = original
        future[8] = 9
        try AtomicFile.write(future, to: path)
        #expect(dataError { _ = try ShardFile.read(path) }?.description == "\(path): shard format version 9 is not supported (this build reads version 1)")
    }

    /// A checksummed shard whose timestamp base leaves no room for its 32-bit offsets (found by
    /// the `shard` fuzz target, deploy/fuzz.sh): the sum trapped; now it is refused by name.
    @Test func aTimestampBaseThatOverflowsIsRefused() throws {
        let dir = TempDir("shard-base")
        let path = dir.sub("b.shard")
        try ShardFile.write(sampleBlock(n: 10), scale: .oneToFive, to: path)
        var bytes = Array(try FileSystem.readAll(path).dropLast(8))
        // After the 80-byte header and the user, item and rating columns: the 32-bit offsets.
        let top = (0 ..< 10).map { k in bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 80 + 10 * 12 + 4 * k, as: UInt32.self) } }.max()!
        let base = Int64.max - Int64(top) + 1
        withUnsafeBytes(of: base.littleEndian) { bytes.replaceSubrange(64 ..< 72, with: $0) }
        var w = BinaryWriter()
        w.put(raw: bytes)
        w.appendChecksum()
        try AtomicFile.write(w.bytes, to: path)
        #expect(dataError { _ = try ShardFile.read(path) }?.description
            == "\(path): timestamp base \(base) plus offset \(top) overflows 64 bits")
        #expect(try ShardFile.read(path, includeTimestamps: false).count == 10)
    }
}

@Suite struct SmallFileTests {
    @Test func idMapRoundTripAndDamage() throws {
        let map = IdMap(ids: [.int(1), .int(7), .text("0114709"), .text("ünïcödé")])
        let bytes = map.encoded()
        #expect(try IdMap.decode(bytes, file: "m") == map)
        #expect(map.index(of: "0114709") == 2 && map.index(of: "7") == 1 && map.index(of: "8") == nil)
        var bad = bytes
        bad[30] ^= 1
        #expect(dataError { _ = try IdMap.decode(bad, file: "m") }?.kind == .damaged)
    }

    @Test func tableRoundTripWithNulls() throws {
        let t = ColumnTable(columns: [
            .init("item", .string(["a", "b", ""])),
            .init("year", .int([1995, nil, -3])),
            .init("score", .double([0.5, nil, 2])),
            .init("genres", .stringList([["Drama", "War"], [], ["Comedy"]])),
        ])
        #expect(try ColumnTable.decode(t.encoded(), file: "t") == t)
        #expect(dataError { _ = try ColumnTable.decode(Array(t.encoded().dropLast(1)), file: "t") }?.kind == .damaged)
    }

    @Test func groundTruthRoundTrip() throws {
        let g = GroundTruth(factors: 2, globalMean: 3.5, noise: 0.4, step: 1, scale: .oneToFive,
                            userBias: [0.1, -0.2], itemBias: [0.3], userFactors: [1, 2, 3, 4], itemFactors: [0.5, -0.5])
        #expect(try GroundTruth.decode(g.encoded(), file: "g") == g)
        #expect(abs(g.score(user: 1, item: 0) - (3.5 - 0.2 + 0.3 + 1.5 - 2)) < 1e-6)
    }
}
