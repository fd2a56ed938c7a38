@testable import CineMeshData
import Testing

/// Counts in checksummed binary files that no file could hold (found by the `idmap` fuzz target,
/// deploy/fuzz.sh): a count with its top bit set trapped converting to `Int`. Each file here has a
/// valid checksum, so the count itself must be refused, naming the file and the field.
@Suite struct DamagedCountTests {
    /// A file with `header` and then `fields`, checksummed.
    func file(_ header: BinaryFileHeader, _ fields: (inout BinaryWriter) -> Void) -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: header)
        fields(&w)
        w.appendChecksum()
        return w.bytes
    }

    /// `decode` must throw a `.damaged` error that says `message`.
    func expectRefused(_ message: String, _ decode: () throws -> Void) {
        let error = dataError(decode)
        #expect(error?.description == message)
        #expect(error?.kind == .damaged)
    }

    @Test func anIdCountBeyondTheFileIsRefused() {
        for count in [UInt64.max, 1 << 63, 5] {
            let bytes = file(IdMap.header) { w in
                w.put(UInt16(0))
                w.put(UInt32(0))
                w.put(count)
                w.put(UInt32(0))
            }
            expectRefused("users.idmap: id count \(count) exceeds the file size") { _ = try IdMap.decode(bytes, file: "users.idmap") }
        }
    }

    @Test func aRowCountBeyondTheFileIsRefused() {
        for rows in [UInt64.max, 1 << 63, 10] {
            let bytes = file(ColumnTable.header) { w in
                w.put(UInt16(0))
                w.put(UInt32(1))
                w.put(rows)
                w.put(string: "year")
                w.put(UInt8(1))
            }
            expectRefused("catalog.table: row count \(rows) exceeds the file size") { _ = try ColumnTable.decode(bytes, file: "catalog.table") }
        }
    }

    @Test func aCountThatFitsIsRead() throws {
        var reader = BinaryReader([3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3], file: "f")
        #expect(try reader.getCount("count") == 3)
        var short = BinaryReader([4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3], file: "f")
        expectRefused("f: count 4 exceeds the file size") { _ = try short.getCount("count") }
    }
}
