import CineMeshAnalytics
import CineMeshData
import Testing

/// Encodes a sketch to bytes with its own `encoded(into:)`.
private func bytes(_ encode: (inout BinaryWriter) -> Void) -> [UInt8] {
    var w = BinaryWriter()
    encode(&w)
    return w.bytes
}

/// Every strict prefix of `b` (every `stride`-th one, plus the last few), each of which must fail to decode.
private func truncations(of b: [UInt8], stride s: Int = 1) -> [[UInt8]] {
    Set(Array(stride(from: 0, to: b.count, by: s)) + (Swift.max(0, b.count - 9) ..< b.count)).sorted().map { Array(b[..<$0]) }
}

/// Random byte strings of assorted lengths, the same ones every run.
private func garbage() -> [[UInt8]] {
    var rng = SeededRandom(seed: 77)
    return (0 ..< 200).map { i in (0 ..< (i * 37) % 5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
}

@Suite struct HyperLogLogSketchTests {
    /// Three standard errors at precision 14: 3 * 1.04 / sqrt(16384).
    let bound = 3 * 1.04 / 128

    func hll(_ values: some Sequence<Int64>) -> HyperLogLog {
        var s = HyperLogLog()
        for v in values { s.add(v) }
        return s
    }

    func decode(_ b: [UInt8]) throws -> HyperLogLog {
        var r = BinaryReader(b, file: "sketch")
        return try HyperLogLog.decode(from: &r)
    }

    @Test func estimatesIntegersWithinThreeStandardErrors() {
        var s = HyperLogLog()
        var added: Int64 = 0
        for n: Int64 in [10, 1000, 100_000, 1_000_000] {
            while added < n {
                // Ids spread like a real key column: the same value twice counts once.
                s.add(added &* 7_919 &+ 13)
                s.add(added &* 7_919 &+ 13)
                added += 1
            }
            let error = abs(s.estimate - Double(n)) / Double(n)
            #expect(error <= bound, "\(n) distinct integers estimated as \(s.estimate)")
        }
    }

    @Test func estimatesStringsWithinThreeStandardErrors() {
        var s = HyperLogLog()
        var added = 0
        for n in [10, 1000, 100_000, 1_000_000] {
            while added < n {
                s.add("user-\(added)")
                added += 1
            }
            let error = abs(s.estimate - Double(n)) / Double(n)
            #expect(error <= bound, "\(n) distinct strings estimated as \(s.estimate)")
        }
        #expect(s.count == Int64(s.estimate.rounded()))
    }

    @Test func emptyAndTinySketchesAreExactEnough() {
        #expect(HyperLogLog().estimate == 0 && HyperLogLog().count == 0)
        #expect(hll([42]).count == 1)
        #expect(hll([42, 42, 42]).count == 1)
        #expect(HyperLogLog(precision: 4).count == 0)
    }

    @Test func valuesHashAsTheirXXH64() {
        var viaHash = HyperLogLog(), viaValue = HyperLogLog()
        for v: Int64 in [0, 1, -1, .max, .min, 123_456_789] {
            viaValue.add(v)
            viaHash.add(hash: bytes { $0.put(v) }.withUnsafeBytes { XXHash64.hash($0) })
        }
        viaValue.add("Amélie (2001)")
        viaHash.add(hash: XXHash64.hash(Array("Amélie (2001)".utf8)))
        #expect(viaValue == viaHash)

        var zeros = HyperLogLog(), nans = HyperLogLog()
        zeros.add(0.0); zeros.add(-0.0)
        nans.add(Double.nan); nans.add(-Double.nan); nans.add(Double(nan: 7, signaling: false))
        #expect(zeros.count == 1 && nans.count == 1)
        var zero = HyperLogLog()
        zero.add(0.0)
        #expect(zeros == zero)
    }

    @Test func fourPartialsMergeToExactlyTheSketchOfTheUnion() {
        // Overlapping partials: ids below 1000 are in every one.
        let n: Int64 = 100_000
        let whole = hll(0 ..< n)
        let contiguous = (0 ..< 4).map { j in hll(Int64(j) * n / 4 ..< Int64(j + 1) * n / 4).merged(with: hll(0 ..< 1000)) }
        let interleaved = (0 ..< 4).map { j in hll(stride(from: Int64(j), to: n, by: 4)) }
        for parts in [contiguous, interleaved, interleaved.reversed()] {
            var merged = HyperLogLog()
            for p in parts { merged.merge(p) }
            #expect(merged.registers == whole.registers)
            #expect(merged == whole)
        }
    }

    @Test func encodingRoundTripsAndIsStable() throws {
        var sparse = HyperLogLog()
        for i in 0 ..< 100 { sparse.add("item \(i)") }
        let dense = hll(0 ..< 50_000)
        for s in [HyperLogLog(), sparse, dense, HyperLogLog(precision: 4), HyperLogLog(precision: 18)] {
            let b = bytes(s.encoded(into:))
            let back = try decode(b)
            #expect(back == s)
            #expect(bytes(back.encoded(into:)) == b)
        }
        #expect(bytes(sparse.encoded(into:)).count == 8 + 4 * sparse.registers.filter { $0 != 0 }.count)
        #expect(bytes(dense.encoded(into:)).count == 4 + 16384)
        // The same values give the same bytes in every process (no per-process hash seed).
        #expect(XXHash64.hash(bytes(dense.encoded(into:))).hex16 == "08eeaea8ca0bb556")
        #expect(XXHash64.hash(bytes(sparse.encoded(into:))).hex16 == "8fdaaddb86bd3b72")
    }

    @Test func damagedBytesThrow() throws {
        var sparse = HyperLogLog()
        for i: Int64 in 0 ..< 300 { sparse.add(i) }
        let dense = hll(0 ..< 50_000)
        var bad = truncations(of: bytes(sparse.encoded(into:))) + truncations(of: bytes(dense.encoded(into:)), stride: 997) + garbage()
        var d = bytes(dense.encoded(into:))
        d[100] = 52 // above 65 - 14
        bad.append(d)
        var s = bytes(sparse.encoded(into:))
        s.replaceSubrange(8 ..< 16, with: s[12 ..< 16] + s[8 ..< 12]) // two sparse entries out of order
        bad.append(s)
        bad.append([UInt8(ascii: "H"), 2, 14, 0]) // another version
        bad.append([UInt8(ascii: "H"), 1, 19, 0]) // precision out of range
        bad.append([UInt8(ascii: "H"), 1, 14, 2]) // unknown form
        bad.append([UInt8(ascii: "H"), 1, 4, 1, 17, 0, 0, 0]) // more set registers than registers
        for b in bad {
            #expect(throws: DataError.self) { try decode(b) }
        }
    }
}

extension HyperLogLog {
    fileprivate func merged(with other: HyperLogLog) -> HyperLogLog {
        var s = self
        s.merge(other)
        return s
    }
}

@Suite struct QuantileSketchTests {
    /// The documented bound for k = 200: normalized rank error 1.65 % for all queries at once.
    let bound = 0.0165
    let n = 1_000_000

    /// Input in arrival order and the same values sorted (built sorted, to know true ranks).
    struct Data {
        var input: [Double]
        var sorted: [Double]
    }

    /// A seeded Fisher–Yates shuffle of `sorted`.
    static func shuffled(_ sorted: [Double], seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        var a = sorted
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.below(i + 1)) }
        return a
    }

    static func uniform(_ n: Int) -> Data {
        let sorted = (0 ..< n).map { Double($0) / Double(n) }
        return Data(input: shuffled(sorted, seed: 1), sorted: sorted)
    }

    /// x^4 of a uniform x: most of the mass near 0, a long thin tail.
    static func skewed(_ n: Int) -> Data {
        let sorted = (0 ..< n).map { i -> Double in
            let x = Double(i) / Double(n)
            return x * x * x * x
        }
        return Data(input: shuffled(sorted, seed: 2), sorted: sorted)
    }

    /// Half-star ratings with a MovieLens-like skew (4.0 the mode): ten values, heavy ties.
    static func ratings(_ n: Int) -> Data {
        let percent: [Double] = [1.6, 3.0, 1.7, 7.5, 5.5, 20, 13, 26.6, 8.5, 12.6]
        var rng = SeededRandom(seed: 3)
        var counts = [Int](repeating: 0, count: 10)
        let input = (0 ..< n).map { _ -> Double in
            var u = rng.uniform() * 100, k = 0
            while k < 9, u >= percent[k] { u -= percent[k]; k += 1 }
            counts[k] += 1
            return 0.5 * Double(k + 1)
        }
        let sorted = counts.enumerated().flatMap { k, c in repeatElement(0.5 * Double(k + 1), count: c) }
        return Data(input: input, sorted: sorted)
    }

    static func sketch(_ values: some Sequence<Double>) -> QuantileSketch {
        var s = QuantileSketch()
        for x in values { s.add(x) }
        return s
    }

    /// How far `q` is from the normalized ranks `v` may have among `sorted` (0 if inside them).
    static func rankError(of v: Double, at q: Double, in sorted: [Double]) -> Double {
        func firstIndex(where above: (Double) -> Bool) -> Int {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if above(sorted[mid]) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        let n = Double(sorted.count)
        let below = Double(firstIndex { $0 >= v }) / n, atOrBelow = Double(firstIndex { $0 > v }) / n
        return q < below ? below - q : (q > atOrBelow ? q - atOrBelow : 0)
    }

    /// The largest rank error over the deciles (0.1...0.9); min and max must be exact.
    static func worstDecileError(_ s: QuantileSketch, _ sorted: [Double]) -> Double {
        #expect(s.count == Int64(sorted.count))
        #expect(s.min == sorted.first && s.max == sorted.last)
        #expect(s.quantile(0) == sorted.first && s.quantile(1) == sorted.last)
        return (1 ... 9).map { rankError(of: s.quantile(Double($0) / 10)!, at: Double($0) / 10, in: sorted) }.max()!
    }

    @Test(arguments: ["uniform", "skewed", "ratings"])
    func decilesOfAMillionValuesAreWithinTheBound(distribution: String) {
        let data = switch distribution {
        case "uniform": Self.uniform(n)
        case "skewed": Self.skewed(n)
        default: Self.ratings(n)
        }
        let worst = Self.worstDecileError(Self.sketch(data.input), data.sorted)
        #expect(worst <= bound)
    }

    /// Four unequal blocks, each sketched, shipped as bytes and decoded, merged in block order.
    static func mergedInBlockOrder(_ input: [Double], cuts: [Int]) throws -> QuantileSketch {
        var merged = QuantileSketch()
        for (a, b) in zip(cuts, cuts.dropFirst()) {
            var r = BinaryReader(bytes(sketch(input[a ..< b]).encoded(into:)), file: "partial")
            merged.merge(try QuantileSketch.decode(from: &r))
        }
        return merged
    }

    @Test func mergingPartialsInAFixedOrderIsReproducibleBitForBit() throws {
        let data = Self.uniform(400_000)
        let cuts = [0, 50_000, 200_000, 320_000, 400_000]
        let a = try Self.mergedInBlockOrder(data.input, cuts: cuts)
        let b = try Self.mergedInBlockOrder(data.input, cuts: cuts)
        #expect(a == b)
        let encoded = bytes(a.encoded(into:))
        #expect(encoded == bytes(b.encoded(into:)))
        // The same bits in every process and on every machine: no system randomness.
        #expect(XXHash64.hash(encoded).hex16 == "bbeb383068b85645")
        let worst = Self.worstDecileError(a, data.sorted)
        #expect(worst <= bound)
        // Another partitioning gives other bits, but the same guarantee.
        let other = try Self.mergedInBlockOrder(data.input, cuts: [0, 100_000, 200_000, 300_000, 400_000])
        #expect(Self.worstDecileError(other, data.sorted) <= bound)
    }

    @Test func minAndMaxAreExactAcrossMerges() {
        var a = Self.sketch([3, -0.0, 7.25])
        let b = Self.sketch([-1e300, 1e-300, 5] + (0 ..< 10_000).map { Double($0 % 97) })
        #expect(a.min == 0 && a.min?.sign == .plus && a.max == 7.25)
        a.merge(b)
        a.merge(QuantileSketch())
        #expect(a.min == -1e300 && a.max == 96)
        #expect(a.count == 10_006)
        var withNaN = Self.sketch([1, 2])
        withNaN.add(.nan)
        #expect(withNaN.count == 2 && withNaN == Self.sketch([1, 2]))
    }

    @Test func emptySketchHasNoQuantiles() {
        let s = QuantileSketch()
        #expect(s.count == 0 && s.min == nil && s.max == nil)
        #expect(s.quantile(0) == nil && s.quantile(0.5) == nil && s.quantile(1) == nil)
        #expect(Self.sketch([4.5]).quantile(0.5) == 4.5)
    }

    @Test func encodingRoundTripsAndTheDecodedSketchCarriesOn() throws {
        let input = Self.skewed(100_000).input
        for s in [QuantileSketch(), Self.sketch(input[..<150]), Self.sketch(input), QuantileSketch(k: 8)] {
            let b = bytes(s.encoded(into:))
            var r = BinaryReader(b, file: "sketch")
            var back = try QuantileSketch.decode(from: &r)
            #expect(back == s && r.remaining == 0)
            var original = s
            for x in input[..<5_000] {
                back.add(x)
                original.add(x)
            }
            #expect(back == original)
        }
    }

    @Test func damagedBytesThrow() throws {
        let small = bytes(Self.sketch([2, 1, 3]).encoded(into:))
        var bad = truncations(of: small) + truncations(of: bytes(Self.sketch(Self.uniform(20_000).input).encoded(into:)), stride: 97) + garbage()
        func corrupt(_ at: Int, _ with: [UInt8]) -> [UInt8] {
            var b = small
            b.replaceSubrange(at ..< at + with.count, with: with)
            return b
        }
        // Layout: tag 0, version 1, k 2, count 4, state 12, levels 20, min 21, max 29, size 37, items 41.
        bad.append(corrupt(1, [2])) // another version
        bad.append(corrupt(2, [7, 0])) // k below 8
        bad.append(corrupt(4, [4])) // count that the levels do not weigh
        bad.append(corrupt(20, [0])) // no levels
        bad.append(corrupt(20, [64])) // too many levels
        bad.append(corrupt(21, bytes { $0.put(Double.nan) })) // NaN min
        bad.append(corrupt(41, bytes { $0.put(9.0) })) // an item above max
        bad.append(corrupt(29, bytes { $0.put(0.5) })) // max below min
        // Level 1 out of order: a sketch whose second level holds [2, 1].
        var twoLevels = BinaryWriter()
        twoLevels.put(UInt8(ascii: "K")); twoLevels.put(UInt8(1)); twoLevels.put(UInt16(200))
        twoLevels.put(Int64(4)); twoLevels.put(UInt64(0)); twoLevels.put(UInt8(2))
        twoLevels.put(1.0); twoLevels.put(2.0)
        twoLevels.put(UInt32(0)); twoLevels.put(UInt32(2)); twoLevels.put(2.0); twoLevels.put(1.0)
        bad.append(twoLevels.bytes)
        for b in bad {
            var r = BinaryReader(b, file: "sketch")
            #expect(throws: DataError.self) { try QuantileSketch.decode(from: &r) }
        }
        // The same bytes with the level in order decode.
        var fixed = twoLevels.bytes
        fixed.replaceSubrange(fixed.count - 16 ..< fixed.count, with: bytes { $0.put(1.0); $0.put(2.0) })
        var r = BinaryReader(fixed, file: "sketch")
        #expect(try QuantileSketch.decode(from: &r).quantile(0.5) == 1)
    }
}
