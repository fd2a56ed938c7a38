@testable import CineMeshAnalytics
import CineMeshData
import Testing

/// approx_count_distinct's per-group state: exact while small, HyperLogLog past the limit, the
/// same answer for any split of the input into partials merged in any order.
@Suite struct DistinctSketchTests {
    @Test func smallSetsAreExactAndCheap() {
        var d = DistinctSketch()
        for i in 0 ..< 200 { d.add(Int64(i % 150)) }
        #expect(d.count == 150)
        var w = BinaryWriter()
        d.encoded(into: &w)
        #expect(w.bytes.count == 1 + 4 + 150 * 8)
    }

    @Test func largeSetsEstimateWithinThreeStandardErrors() {
        var d = DistinctSketch()
        for i in 0 ..< 100_000 { d.add("value \(i)") }
        let error: Double = abs(Double(d.count) - 100_000) / 100_000
        let bound: Double = 3 * 1.04 / 128
        #expect(error < bound)
    }

    @Test func anySplitAndOrderGivesTheSameBits() throws {
        let values = (0 ..< 5_000).map { Int64($0 * 7919 % 3_001) }
        var whole = DistinctSketch()
        for v in values { whole.add(v) }
        for parts in [2, 3, 17, 400] {
            var partials = Array(repeating: DistinctSketch(), count: parts)
            for (k, v) in values.enumerated() { partials[k % parts].add(v) }
            var forward = DistinctSketch(), backward = DistinctSketch()
            for p in partials { forward.merge(p) }
            for p in partials.reversed() { backward.merge(p) }
            #expect(forward == whole && backward == whole)
        }
        var w = BinaryWriter()
        whole.encoded(into: &w)
        var r = BinaryReader(w.bytes, file: "test")
        #expect(try DistinctSketch.decode(from: &r) == whole)
    }

    @Test func damagedBytesThrow() {
        let unordered: [UInt8] = [0, 2, 0, 0, 0] + Array(repeating: 0xFF, count: 16)
        let cases: [[UInt8]] = [[], [0], [0, 5, 0, 0, 0], [2], unordered]
        for bytes in cases {
            var r = BinaryReader(bytes, file: "test")
            #expect(throws: (any Error).self) { _ = try DistinctSketch.decode(from: &r) }
        }
    }
}
