@testable import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// Shard shipping without sockets: the coordinator's FileServer answers the FETCH requests a
/// worker's FileFetch makes, through the window, and the result lands verified in the cache.
@Suite struct FileTransferTests {
    func dataset(_ dir: String) throws -> Dataset {
        let csv = dir + "/r.csv"
        var text = "userId,movieId,rating,timestamp\n"
        for u in 0 ..< 300 { for i in 0 ..< 7 { text += "\(u),\((u * 7 + i) % 97),\(Double((u + i) % 10) / 2 + 0.5),\(1_000_000 + u * 7 + i)\n" } }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        var options = IngestOptions()
        options.grid = GridShape(rows: 2, columns: 2)
        _ = try Ingestor(options: options).run(inputs: [csv], output: dir + "/ds")
        return try Dataset(path: dir + "/ds")
    }

    /// A scratch directory with a 2x2 dataset, a server publishing it and an empty cache.
    func fixture() throws -> (String, Dataset, FileServer, ShardCache) {
        let dir = "/tmp/cinemesh-transfer-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileSystem.makeDirectories(dir)
        let ds = try dataset(dir)
        let server = FileServer()
        server.publish(ds)
        return (dir, ds, server, try ShardCache(directory: dir + "/cache"))
    }

    @Test func aShardCrossesInSmallChunksWithABoundedWindowAndIsVerified() throws {
        let (dir, ds, server, cache) = try fixture()
        defer { FileSystem.removeTree(dir) }
        let b = ds.manifest.blocks[0]
        let ref = FileRef(xxh64: b.xxh64, bytes: b.bytes, name: b.file)
        #expect(!cache.contains(ref))
        let fetch = try FileFetch(ref, partialPath: cache.partialPath(ref), chunkBytes: 4096, window: 3)
        var pending = fetch.requests()
        #expect(pending.count == min(3, Int((b.bytes + 4095) / 4096)))
        var maxInFlight = pending.count
        var done = false
        while !pending.isEmpty {
            let request = pending.removeFirst()
            let bytes = try server.read(request, maxLength: 4096).get()
            done = try fetch.accept(offset: request.offset, bytes: bytes)
            pending += fetch.requests()
            maxInFlight = max(maxInFlight, pending.count)
        }
        #expect(done && maxInFlight <= 3)
        try cache.admit(fetch)
        #expect(cache.contains(ref))
        #expect(try FileSystem.readAll(cache.path(ref)) == FileSystem.readAll(ds.path + "/" + b.file))
        #expect(try ShardFile.read(cache.path(ref)) == ds.block(row: 0, column: 0))
    }

    @Test func aCorruptedTransferNeverEntersTheCache() throws {
        let (dir, ds, server, cache) = try fixture()
        defer { FileSystem.removeTree(dir) }
        let b = ds.manifest.blocks[1]
        let ref = FileRef(xxh64: b.xxh64, bytes: b.bytes, name: b.file)
        let fetch = try FileFetch(ref, partialPath: cache.partialPath(ref), chunkBytes: Int(b.bytes), window: 1)
        let request = fetch.requests()[0]
        var bytes = try server.read(request, maxLength: Int(b.bytes)).get()
        bytes[100] ^= 0x40
        #expect(throws: DataError.self) { try fetch.accept(offset: request.offset, bytes: bytes) }
        #expect(!fetch.verified && !cache.contains(ref))
    }

    @Test func theServerRefusesUnpublishedFilesAndBadRanges() throws {
        let server = FileServer()
        guard case .failure(let e) = server.read(FetchBody(xxh64: "0000000000000000", offset: 0, length: 10), maxLength: 100) else {
            Issue.record("served an unpublished file"); return
        }
        #expect(e.code == "not-found")
    }

    @Test func aPublishedFileIsServedUntilWithdrawn() throws {
        let dir = "/tmp/cinemesh-transfer-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let bytes = Array("a model file's bytes".utf8)
        try AtomicFile.write(bytes, to: dir + "/model")
        let name = XXHash64.hash(bytes).hex16
        let server = FileServer()
        server.publish(file: dir + "/model", xxh64: name, bytes: UInt64(bytes.count))
        #expect(try server.read(FetchBody(xxh64: name, offset: 2, length: 100), maxLength: 100).get() == Array(bytes[2...]))
        server.withdraw(name)
        guard case .failure(let e) = server.read(FetchBody(xxh64: name, offset: 0, length: 10), maxLength: 100) else {
            Issue.record("served a withdrawn file"); return
        }
        #expect(e.code == "not-found")
    }

    @Test func contentNamesCoverWholeFilesAndTrailerFiles() {
        let body: [UInt8] = Array("some shard bytes".utf8)
        let sum = XXHash64.hash(body)
        let withTrailer = body + withUnsafeBytes(of: sum.littleEndian) { Array($0) }
        #expect(FileFetch.matches(withTrailer, sum.hex16))
        #expect(FileFetch.matches(body, sum.hex16))
        var wrongTrailer = withTrailer
        wrongTrailer[wrongTrailer.count - 1] ^= 1
        #expect(!FileFetch.matches(wrongTrailer, sum.hex16))
    }
}
