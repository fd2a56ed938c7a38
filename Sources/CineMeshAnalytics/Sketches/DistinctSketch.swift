import CineMeshData

/// `approx_count_distinct`'s state for one group: the distinct value hashes themselves while
/// there are at most `exactLimit` of them (the count is then exact, and the state costs 8 bytes a
/// value), a `HyperLogLog` (16 KiB) past that. The answer depends only on the set of hashes seen,
/// never on the order of adds and merges: the same for any partitioning into blocks.
public struct DistinctSketch: Sendable, Equatable {
    /// Distinct hashes kept exactly before switching to HyperLogLog.
    public static let exactLimit = 256
    /// Sorted, without repeats, while `sketch` is nil.
    private var hashes: [UInt64] = []
    private var sketch: HyperLogLog?

    public init() {}

    public mutating func add(hash: UInt64) {
        if sketch != nil {
            sketch!.add(hash: hash)
            return
        }
        var lo = 0, hi = hashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        if lo < hashes.count && hashes[lo] == hash { return }
        hashes.insert(hash, at: lo)
        if hashes.count > Self.exactLimit { promote() }
    }

    /// Hashed as `HyperLogLog.add(_:)` hashes each kind of value.
    public mutating func add(_ value: Int64) { add(hash: SketchHashing.xxh64(word: UInt64(bitPattern: value))) }
    public mutating func add(_ value: Double) {
        let canonical = value == 0 ? 0.0 : (value.isNaN ? Double.nan : value)
        add(hash: SketchHashing.xxh64(word: canonical.bitPattern))
    }
    public mutating func add(_ text: String) { add(hash: SketchHashing.xxh64(utf8: text)) }

    public mutating func merge(_ other: DistinctSketch) {
        if let theirs = other.sketch {
            promote()
            sketch!.merge(theirs)
        } else {
            for h in other.hashes { add(hash: h) }
        }
    }

    /// The exact count while small, else the HyperLogLog estimate (relative standard error 0.81%).
    public var count: Int64 { sketch?.count ?? Int64(hashes.count) }

    private mutating func promote() {
        guard sketch == nil else { return }
        var s = HyperLogLog()
        for h in hashes { s.add(hash: h) }
        sketch = s
        hashes = []
    }

    /// Tag 0, count, the sorted hashes; or tag 1 and the HyperLogLog.
    public func encoded(into w: inout BinaryWriter) {
        if let sketch {
            w.put(UInt8(1))
            sketch.encoded(into: &w)
        } else {
            w.put(UInt8(0))
            w.put(UInt32(hashes.count))
            w.put(contentsOf: hashes)
        }
    }

    public static func decode(from r: inout BinaryReader) throws -> DistinctSketch {
        var d = DistinctSketch()
        switch try r.get(UInt8.self, "distinct sketch tag") {
        case 0:
            let n = Int(try r.get(UInt32.self, "hash count"))
            guard n <= exactLimit else { throw DataError(.damaged, file: "distinct sketch", "\(n) exact hashes, more than \(exactLimit)") }
            let hashes = try r.getArray(UInt64.self, count: n, "hashes")
            guard zip(hashes, hashes.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw DataError(.damaged, file: "distinct sketch", "hashes out of order")
            }
            d.hashes = hashes
        case 1:
            d.sketch = try HyperLogLog.decode(from: &r)
        case let t:
            throw DataError(.damaged, file: "distinct sketch", "unknown tag \(t)")
        }
        return d
    }
}
