import CineMeshData

/// The byte form of a `QuantileSketch` (docs/FORMATS.md, "Sketches"): `u8` tag `K`, `u8` version
/// 1, `u16` k, `i64` count, `u64` coin generator state, `u8` level count, then `f64` min and max
/// when count > 0, then per level a `u32` item count and the items as `f64`. Everything that
/// decides later results is in it, so a decoded sketch goes on adding and merging with the same
/// bits as the original.
extension QuantileSketch {
    static let tag = UInt8(ascii: "K")
    static let version: UInt8 = 1
    /// Weights `2^h` stay far below `Int64.max` with at most 63 levels (`h <= 62`).
    static let maxLevels = 63

    /// Appends this sketch's byte form to `w`.
    public func encoded(into w: inout BinaryWriter) {
        w.put(Self.tag)
        w.put(Self.version)
        w.put(UInt16(k))
        w.put(count)
        w.put(state)
        w.put(UInt8(levels.count))
        if count > 0 {
            w.put(minimum)
            w.put(maximum)
        }
        for level in levels {
            w.put(UInt32(level.count))
            for x in level { w.put(x) }
        }
    }

    /// Reads a sketch written by `encoded(into:)`. Throws `DataError` `.damaged` on truncated or
    /// inconsistent bytes (level weights that do not add up to the count, NaN, values outside
    /// min...max, an unsorted level) and `.versionMismatch` on another version; never traps.
    public static func decode(from r: inout BinaryReader) throws -> QuantileSketch {
        guard try r.get(UInt8.self, "KLL tag") == tag else {
            throw DataError(.damaged, "not a KLL quantile sketch (bad tag)")
        }
        let version = try r.get(UInt8.self, "KLL version")
        guard version == Self.version else {
            throw DataError(.versionMismatch, "KLL format version \(version) is not supported (this build reads version \(Self.version))")
        }
        let k = Int(try r.get(UInt16.self, "KLL k"))
        let count = try r.get(Int64.self, "KLL count")
        let state = try r.get(UInt64.self, "KLL state")
        let levelCount = Int(try r.get(UInt8.self, "KLL level count"))
        guard kRange.contains(k), count >= 0, (1 ... maxLevels).contains(levelCount) else {
            throw DataError(.damaged, "impossible KLL sketch (k \(k), count \(count), \(levelCount) levels)")
        }
        var sketch = QuantileSketch(k: k)
        sketch.count = count
        sketch.state = state
        if count > 0 {
            sketch.minimum = try r.getDouble("KLL min")
            sketch.maximum = try r.getDouble("KLL max")
            guard sketch.minimum <= sketch.maximum else { throw DataError(.damaged, "KLL min above max, or NaN") }
        }
        sketch.levels = []
        var weight: UInt64 = 0
        for h in 0 ..< levelCount {
            let n = Int(try r.get(UInt32.self, "KLL level size"))
            let level = try r.getArray(UInt64.self, count: n, "KLL level \(h)").map { Double(bitPattern: UInt64(littleEndian: $0)) }
            let (w, o1) = UInt64(n).multipliedReportingOverflow(by: 1 << UInt64(h))
            let (total, o2) = weight.addingReportingOverflow(w)
            guard !o1, !o2 else { throw DataError(.damaged, "KLL level weights overflow") }
            weight = total
            guard level.allSatisfy({ $0 >= sketch.minimum && $0 <= sketch.maximum }) else {
                throw DataError(.damaged, "KLL level \(h) holds a value outside min...max, or NaN")
            }
            guard h == 0 || zip(level, level.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw DataError(.damaged, "KLL level \(h) is not sorted")
            }
            sketch.levels.append(level)
        }
        guard weight == UInt64(count) else {
            throw DataError(.damaged, "KLL levels weigh \(weight) but the count is \(count)")
        }
        sketch.retained = sketch.levels.reduce(0) { $0 + $1.count }
        sketch.capacity = totalCapacity(k: k, levels: levelCount)
        return sketch
    }
}
