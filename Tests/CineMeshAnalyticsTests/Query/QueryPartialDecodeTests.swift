@testable import CineMeshAnalytics
import CineMeshData
import Testing

/// A query partial comes off the wire from a worker: damaged counts are errors, never traps.
@Suite struct QueryPartialDecodeTests {
    func decode(_ build: (inout BinaryWriter) -> Void) -> DataError? {
        var w = BinaryWriter()
        w.put(QueryPartial.magic)
        build(&w)
        do {
            _ = try QueryPartial.decode(w.bytes, calls: [])
            return nil
        } catch {
            return error as? DataError
        }
    }

    @Test func countsBeyondIntOrTheBytesLeftAreRefused() {
        // Rows scanned past Int.max used to trap converting to Int.
        #expect(decode { $0.put(UInt64.max) }?.description == "query partial: impossible count of rows scanned")
        // An empty partial is fine; a group count past the bytes left is not.
        #expect(decode { w in w.put(UInt64(7)); w.put(UInt32(0)); w.put(UInt16(0)); w.put(UInt32(0)); w.put(UInt32(0)); w.put(UInt8(0)) } == nil)
        #expect(decode { w in w.put(UInt64(7)); w.put(UInt32.max) }?.description == "query partial: impossible group count")
    }
}
