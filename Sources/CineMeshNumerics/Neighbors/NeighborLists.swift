import CineMeshData

/// Each x's neighbours with a positive similarity, the most similar first (ties: the lower index
/// first), in one contiguous buffer: x's are `offsets[x] ..< offsets[x + 1]` of `neighbors` and
/// `similarities`. What a neighbourhood model keeps of its similarity matrix.
public struct NeighborLists: Sendable, Equatable {
    public let offsets: [Int]
    public let neighbors: [Int32]
    public let similarities: [Double]

    public init(offsets: [Int], neighbors: [Int32], similarities: [Double]) {
        precondition(offsets.first == 0 && offsets.last == neighbors.count && neighbors.count == similarities.count, "neighbour lists out of shape")
        self.offsets = offsets
        self.neighbors = neighbors
        self.similarities = similarities
    }

    /// Lists for `count` x's with no neighbours.
    public init(empty count: Int) {
        self.init(offsets: [Int](repeating: 0, count: count + 1), neighbors: [], similarities: [])
    }

    public var count: Int { offsets.count - 1 }

    /// Entries over all lists.
    public var entries: Int { neighbors.count }

    /// One neighbour and its similarity.
    struct Entry {
        var neighbor: Int32
        var similarity: Double

        /// The lists' order: total, so a list does not depend on the order its entries came in.
        @inline(__always)
        static func before(_ l: Entry, _ r: Entry) -> Bool {
            l.similarity != r.similarity ? l.similarity > r.similarity : l.neighbor < r.neighbor
        }
    }

    /// The lists of parts that each hold the lists of their own x's (no x has entries in two), in
    /// one pass: how the coordinator puts together the grid lines' rows.
    public static func combined(_ parts: [NeighborLists], count: Int) -> NeighborLists? {
        guard parts.allSatisfy({ $0.count == count }) else { return nil }
        var offsets = [Int](repeating: 0, count: count + 1), owner = [Int](repeating: -1, count: count)
        for (p, part) in parts.enumerated() {
            for x in 0 ..< count where part.offsets[x + 1] > part.offsets[x] {
                guard owner[x] < 0 else { return nil }
                owner[x] = p
                offsets[x + 1] = part.offsets[x + 1] - part.offsets[x]
            }
        }
        for x in 0 ..< count { offsets[x + 1] += offsets[x] }
        var neighbors = [Int32](repeating: 0, count: offsets[count]), similarities = [Double](repeating: 0, count: offsets[count])
        for x in 0 ..< count where owner[x] >= 0 {
            let part = parts[owner[x]], from = part.offsets[x]
            for k in 0 ..< offsets[x + 1] - offsets[x] {
                neighbors[offsets[x] + k] = part.neighbors[from + k]
                similarities[offsets[x] + k] = part.similarities[from + k]
            }
        }
        return NeighborLists(offsets: offsets, neighbors: neighbors, similarities: similarities)
    }

    /// x's neighbours and their similarities, most similar first.
    public func list(_ x: Int) -> (neighbors: ArraySlice<Int32>, similarities: ArraySlice<Double>) {
        let r = offsets[x] ..< offsets[x + 1]
        return (neighbors[r], similarities[r])
    }
}

extension NeighborLists {
    /// XXH64 over the offsets, neighbours and similarities' bits: equal lists, equal checksum; what
    /// a cluster run and a one-process run are compared by.
    public var checksum: String {
        var h = XXHash64()
        for array in [offsets.map { UInt64($0) }, neighbors.map { UInt64(UInt32(bitPattern: $0)) }, similarities.map(\.bitPattern)] {
            array.withUnsafeBytes { h.update($0) }
        }
        return String(h.finalize(), radix: 16)
    }

    /// The lists of the x's `ranges` only (each x's count, then every entry), as a worker sends a
    /// grid line's rows back; `init(count:ranges:...)` reverses it.
    public func restricted(to ranges: [Range<Int>]) -> (counts: [Int32], neighbors: [Int32], similarities: [Double]) {
        var counts: [Int32] = [], n: [Int32] = [], s: [Double] = []
        for x in ranges.joined() {
            counts.append(Int32(offsets[x + 1] - offsets[x]))
            n += neighbors[offsets[x] ..< offsets[x + 1]]
            s += similarities[offsets[x] ..< offsets[x + 1]]
        }
        return (counts, n, s)
    }

    /// Lists over `count` x's holding `counts[k]` entries for the k-th x of `ranges` (in order)
    /// and none for the others; nil when the sizes or indices do not fit, or a list is out of
    /// order or holds a similarity that is not positive.
    public init?(count: Int, ranges: [Range<Int>], counts: [Int32], neighbors: [Int32], similarities: [Double]) {
        let xs = Array(ranges.joined())
        guard xs.count == counts.count, neighbors.count == similarities.count, xs.allSatisfy({ (0 ..< count).contains($0) }) else { return nil }
        var perX = [Int](repeating: 0, count: count), seen = [Bool](repeating: false, count: count)
        for (x, c) in zip(xs, counts) {
            guard c >= 0, !seen[x] else { return nil }
            seen[x] = true
            perX[x] = Int(c)
        }
        var offsets = [Int](repeating: 0, count: count + 1)
        for x in 0 ..< count { offsets[x + 1] = offsets[x] + perX[x] }
        guard offsets[count] == neighbors.count else { return nil }
        // The entries arrive in `ranges` order; place each x's run at its offset.
        var n = [Int32](repeating: 0, count: neighbors.count), s = [Double](repeating: 0, count: neighbors.count)
        var at = 0
        for x in xs {
            for k in 0 ..< perX[x] {
                let (neighbor, sim) = (neighbors[at + k], similarities[at + k])
                guard (0 ..< Int32(count)).contains(neighbor), sim > 0, sim.isFinite else { return nil }
                if k > 0 && !Entry.before(Entry(neighbor: n[offsets[x] + k - 1], similarity: s[offsets[x] + k - 1]), Entry(neighbor: neighbor, similarity: sim)) {
                    return nil
                }
                n[offsets[x] + k] = neighbor
                s[offsets[x] + k] = sim
            }
            at += perX[x]
        }
        self.init(offsets: offsets, neighbors: n, similarities: s)
    }
}
