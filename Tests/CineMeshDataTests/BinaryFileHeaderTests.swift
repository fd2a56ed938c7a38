@testable import CineMeshData
import Testing

/// The header every binary file kind shares, and the one routine that checks it with the trailer.
@Suite struct BinaryFileHeaderTests {
    let header = BinaryFileHeader(magic: "CMTEST", version: 3, kind: "test")

    /// A checksummed file: `header` as written by `put(header:)`, a u32 payload, the trailer.
    func file(_ header: BinaryFileHeader, payload: UInt32 = 0xC0FFEE) -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: header)
        w.put(payload)
        w.appendChecksum()
        return w.bytes
    }

    @Test func theHeaderIsTheMagicZeroPaddedThenTheVersion() {
        let bytes = file(header)
        #expect(Array(bytes.prefix(BinaryFileHeader.size)) == Array("CMTEST".utf8) + [0, 0, 3, 0])
        #expect(bytes.count == BinaryFileHeader.size + 4 + 8)
    }

    @Test func aVerifiedReaderStandsAfterTheHeaderAndStopsBeforeTheTrailer() throws {
        var r = try BinaryReader(verifying: file(header), file: "f", header: header, minimumSize: 14)
        #expect(r.offset == BinaryFileHeader.size)
        #expect(try r.get(UInt32.self, "payload") == 0xC0FFEE)
        #expect(r.remaining == 0)
    }

    @Test func damageIsRefusedInOrderTrailerMagicVersion() {
        func error(_ bytes: [UInt8], minimumSize: Int = 14) -> DataError? {
            dataError { _ = try BinaryReader(verifying: bytes, file: "f", header: header, minimumSize: minimumSize) }
        }
        let good = file(header)
        #expect(error(good, minimumSize: 15)?.description == "f: truncated: 22 bytes is too short to be valid")
        var flipped = good
        flipped[12] ^= 1
        #expect(error(flipped)?.kind == .damaged)
        #expect(error(flipped)?.message.hasPrefix("checksum mismatch (stored ") == true)
        // Right checksums over a wrong magic and a wrong version.
        #expect(error(file(BinaryFileHeader(magic: "CMOTHER", version: 3, kind: "other")))?.description
            == "f: not a CineMesh test file (bad magic)")
        let future = error(file(BinaryFileHeader(magic: "CMTEST", version: 4, kind: "test")))
        #expect(future?.kind == .versionMismatch)
        #expect(future?.description == "f: test format version 4 is not supported (this build reads version 3)")
    }

    @Test func aStreamedHeaderIsCheckedWithoutATrailer() throws {
        var r = BinaryReader(Array(file(header).prefix(BinaryFileHeader.size)), file: "f")
        try r.expect(header)
        #expect(r.remaining == 0)
        var short = BinaryReader(Array(file(header).prefix(9)), file: "f")
        #expect(dataError { try short.expect(header) }?.description == "f: truncated while reading version at byte 8")
    }

    /// Every file kind words another version the same way (the ground-truth file used to leave out
    /// which version this build reads).
    @Test func everyKindNamesBothVersions() {
        var g = GroundTruth(factors: 1, globalMean: 3, noise: 0, step: 0, scale: .oneToFive,
                            userBias: [0], itemBias: [0], userFactors: [1], itemFactors: [1]).encoded()
        g[8] = 2
        var w = BinaryWriter()
        w.put(raw: Array(g.dropLast(8)))
        w.appendChecksum()
        #expect(dataError { _ = try GroundTruth.decode(w.bytes, file: "truth.bin") }?.description
            == "truth.bin: ground truth format version 2 is not supported (this build reads version 1)")
    }

    /// A ground-truth file whose checksum is right but whose user count is past Int.max used to
    /// trap converting it; it is damaged, like any count larger than the file.
    @Test func aGroundTruthCountPastTheFileIsAnError() {
        var g = GroundTruth(factors: 1, globalMean: 3, noise: 0, step: 0, scale: .oneToFive,
                            userBias: [0], itemBias: [0], userFactors: [1], itemFactors: [1]).encoded()
        let users = BinaryFileHeader.size + 2 + 4
        for i in 0 ..< 8 { g[users + i] = 0xFF }
        var w = BinaryWriter()
        w.put(raw: Array(g.dropLast(8)))
        w.appendChecksum()
        #expect(dataError { _ = try GroundTruth.decode(w.bytes, file: "truth.bin") }?.description.hasPrefix("truth.bin: users 18446744073709551615 exceeds the file size") == true)
    }
}
