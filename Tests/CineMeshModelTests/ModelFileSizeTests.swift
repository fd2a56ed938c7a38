@testable import CineMeshData
@testable import CineMeshModel
import Testing

/// Model files whose header names sizes the file cannot hold, checksummed so that the sizes
/// themselves must be refused: before, a count with its top bit set trapped converting to `Int`,
/// and a header of many users of 4096 factors had the reader allocate 16 KiB of factors for every
/// byte of the file before finding it short.
@Suite struct ModelFileSizeTests {
    /// A checksummed model file: the header's sizes, then `rest`.
    func file(factors: UInt32, users: UInt64, items: UInt64, rest: [UInt8]) -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: ModelFile.header)
        w.put(UInt16(0))
        w.put(factors)
        w.put(users)
        w.put(items)
        w.put(Float(3.5))
        w.put(UInt32(0))
        w.put(raw: rest)
        w.appendChecksum()
        return w.bytes
    }

    func error(_ bytes: [UInt8]) -> DataError? {
        #expect(throws: DataError.self) { try ModelFile.decode(bytes, file: "m.cmm") }
    }

    @Test func countsBeyondTheFileAreRefused() {
        let padding = [UInt8](repeating: 0, count: 64)
        #expect(error(file(factors: 4, users: .max, items: 1, rest: padding))?.description == "m.cmm: user count \(UInt64.max) exceeds the file size")
        #expect(error(file(factors: 4, users: 1, items: 1 << 63, rest: padding))?.description == "m.cmm: item count \(UInt64(1) << 63) exceeds the file size")
        var metadataLength = BinaryWriter()
        metadataLength.put(UInt64.max)
        #expect(error(file(factors: 0, users: 0, items: 0, rest: metadataLength.bytes + padding))?.description
            == "m.cmm: metadata length \(UInt64.max) exceeds the file size")
    }

    @Test func factorsTheFileCannotHoldAreRefusedBeforeTheyAreAllocated() {
        // 4000 users of 4096 factors need 65 MB of floats; the file has 4 KB.
        let bytes = file(factors: 4096, users: 4000, items: 0, rest: [UInt8](repeating: 0, count: 4000))
        #expect(error(bytes)?.description
            == "m.cmm: impossible sizes in the header: 4000 users and 0 items of 4096 factors need more than the file's \(bytes.count) bytes")
        #expect(error(file(factors: 5000, users: 0, items: 0, rest: [UInt8](repeating: 0, count: 64)))?.description.hasPrefix("m.cmm: impossible sizes") == true)
    }
}
