@testable import CineMeshData
import Testing

/// A running job's checkpoint file: what goes in comes back, bit for bit, and a damaged, cut or
/// future file is refused whole with an error that names it.
@Suite struct CheckpointFileTests {
    let owner = CheckpointFile.Owner(job: 7, type: "train", specHash: 0x0123_4567_89AB_CDEF, datasetHash: "5f2c0d9a1b3e4f67")

    func checkpoint(state: [UInt8] = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }) -> CheckpointFile {
        CheckpointFile(owner: owner, step: 3, progress: "epoch 3 of 10", state: state)
    }

    @Test func aWrittenCheckpointReadsBackTheSame() throws {
        let dir = TempDir()
        let path = dir.sub("7.ckpt")
        for state in [[], checkpoint().state] {
            let written = checkpoint(state: state)
            try written.write(to: path)
            #expect(try CheckpointFile.read(path) == written)
        }
        // Written atomically: nothing but the file is left beside it.
        #expect(try FileSystem.list(dir.path) == ["7.ckpt"])
        let bytes = try FileSystem.readAll(path)
        #expect(Array(bytes.prefix(BinaryFileHeader.size)) == Array("CMCKPT".utf8) + [0, 0, 1, 0])
    }

    @Test func aDamagedCutOrFutureCheckpointIsRefused() throws {
        let dir = TempDir()
        let path = dir.sub("7.ckpt")
        try checkpoint().write(to: path)
        let good = try FileSystem.readAll(path)
        func error(_ bytes: [UInt8]) -> DataError? {
            _ = try? AtomicFile.write(bytes, to: path)
            return dataError { _ = try CheckpointFile.read(path) }
        }
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        #expect(error(flipped)?.kind == .damaged)
        #expect(error(flipped)?.message.hasPrefix("checksum mismatch (stored ") == true)
        #expect(error(Array(good.prefix(40)))?.description == "\(path): truncated: 40 bytes is too short to be valid")
        // A cut state under a right checksum: the lengths disagree.
        var w = BinaryWriter()
        w.put(raw: Array(good.dropLast(8 + 10)))
        w.appendChecksum()
        #expect(error(w.bytes)?.description == "\(path): the state's length (1000 bytes) disagrees with the file's size")
        var future = BinaryWriter()
        future.put(header: BinaryFileHeader(magic: CheckpointFile.magic, version: 2, kind: "checkpoint"))
        future.put(raw: Array(good[BinaryFileHeader.size ..< good.count - 8]))
        future.appendChecksum()
        #expect(error(future.bytes)?.kind == .versionMismatch)
        #expect(error(future.bytes)?.message == "checkpoint format version 2 is not supported (this build reads version 1)")
        #expect(dataError { _ = try CheckpointFile.read(dir.sub("missing.ckpt")) }?.kind == .io)
    }
}
