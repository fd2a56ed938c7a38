/// A KLL quantile sketch over `Double` (Z. Karnin, K. Lang, E. Liberty, "Optimal quantile
/// approximation in streams", FOCS 2016), in the form Apache DataSketches uses: compactors of
/// capacity `max(8, round(k * (2/3)^depth))`, compacting the lowest full one when the sketch is
/// full. `PERCENTILE_DISC`/`MEDIAN` in one small, mergeable, serializable partial aggregate.
///
/// **Error bound.** With `k = 200` (the default) the returned value's normalized rank (its rank
/// among the `count` inputs, divided by `count`) is within 1.65 % of `q` for every `q` at once,
/// with 99 % probability; a single query is within 1.33 %, and typical errors are 0.1–0.7 %. For
/// another `k`, about `2.446 / k^0.9433` (all queries) and `2.296 / k^0.9723` (one query). These
/// are the fits Apache DataSketches measured for this algorithm; KLL's proof bounds the error by
/// O(sqrt(log(1/delta)) / k) at confidence 1 - delta for any input distribution and any tree of
/// merges. `min` and `max` (and so `quantile(0)` and `quantile(1)`) are exact.
///
/// **Why KLL and not a t-digest.** KLL's rank error is proven, whatever the distribution and
/// however the partials were merged; a t-digest is usually better in the far tails but has no
/// worst-case bound. KLL answers with values that were added, so ratings with heavy ties
/// (0.5...5 by 0.5) give a rating, never an interpolated 3.87. And it only compares and copies
/// values, never adds them, so its bits do not depend on floating-point summation order.
///
/// **Determinism.** A compaction keeps the odd-indexed or the even-indexed half of a sorted
/// compactor on a coin flip. The coin is the top bit of a SplitMix64 state kept in the sketch and
/// advanced with a fingerprint of the items being compacted and their level: no system
/// randomness, so the same sequence of `add`s and `merge`s gives the same bits in every process
/// on every machine. (Fingerprinting the data, rather than only counting compactions, keeps the
/// coins of different partials independent: partials that all start from the same state would
/// otherwise flip the same coins, and their errors would be correlated instead of partly
/// cancelling.) How the input was split into partials, and the order of the merges, change the
/// bits of the result, but only within the error bound.
///
/// NaN is not ordered and is ignored (not counted), as SQL aggregates ignore NULL; -0.0 is
/// stored as 0.0.
public struct QuantileSketch: Sendable, Equatable {
    /// The default accuracy parameter: 1.65 % normalized rank error; about 5 KB encoded at a
    /// million values (at most 617 items), about 1 000 items at most at any count.
    public static let defaultK = 200
    /// The accuracy parameters supported.
    public static let kRange = 8 ... 65_535
    /// The smallest compactor capacity.
    static let minimumWidth = 8

    /// The accuracy parameter: the capacity of the top compactor.
    public let k: Int
    /// The number of values added (NaNs excluded), over all merged sketches.
    public internal(set) var count: Int64 = 0
    /// The smallest and largest value added; ±infinity while empty.
    var minimum = Double.infinity
    var maximum = -Double.infinity
    /// Compactor `h` holds items of weight `2^h`: level 0 in arrival order, the others sorted.
    var levels: [[Double]] = [[]]
    /// The items held over all levels, and the most the current levels may hold.
    var retained = 0
    var capacity: Int
    /// The state of the generator of compaction coins.
    var state: UInt64 = 0

    /// An empty sketch; `k` must be in `kRange`.
    public init(k: Int = QuantileSketch.defaultK) {
        precondition(Self.kRange.contains(k), "KLL k \(k) is not in \(Self.kRange)")
        self.k = k
        capacity = Self.totalCapacity(k: k, levels: 1)
    }

    /// The smallest value added, exactly; nil when empty.
    public var min: Double? { count > 0 ? minimum : nil }
    /// The largest value added, exactly; nil when empty.
    public var max: Double? { count > 0 ? maximum : nil }

    /// Adds one value (NaN is ignored).
    public mutating func add(_ x: Double) {
        guard !x.isNaN else { return }
        let x = x == 0 ? 0.0 : x
        if retained >= capacity { compactLowestFullLevel() }
        levels[0].append(x)
        retained += 1
        count += 1
        if x < minimum { minimum = x }
        if x > maximum { maximum = x }
    }

    /// Folds `other` into this sketch: afterwards it summarizes both inputs, within the same error
    /// bound. Both must have the same `k`. Deterministic: the same merges in the same order give
    /// the same bits.
    public mutating func merge(_ other: QuantileSketch) {
        precondition(k == other.k, "merging KLL sketches with k \(k) and \(other.k)")
        guard other.count > 0 else { return }
        count += other.count
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        state = SketchHashing.mix(state ^ SketchHashing.mix(other.state))
        while levels.count < other.levels.count { levels.append([]) }
        capacity = Self.totalCapacity(k: k, levels: levels.count)
        levels[0].append(contentsOf: other.levels[0])
        for h in 1 ..< other.levels.count {
            Self.mergeSorted(other.levels[h][...], into: &levels[h])
        }
        retained += other.retained
        // One pass from the bottom, compacting each full level while the sketch is over capacity
        // (a compaction of the top level adds a level, which the pass then reaches).
        var h = 0
        while h < levels.count {
            if retained >= capacity, levels[h].count >= levelCapacity(h) { compact(level: h) }
            h += 1
        }
    }

    /// The `q`-quantile (`q` in 0...1): the smallest retained value whose estimated rank (the
    /// weight of the values at or below it) is at least `q * count`. `quantile(0)` is `min`,
    /// `quantile(1)` is `max`, `quantile(0.5)` the median. Nil when empty.
    public func quantile(_ q: Double) -> Double? {
        precondition(q >= 0 && q <= 1, "quantile \(q) is not in 0...1")
        guard count > 0 else { return nil }
        if q == 0 { return minimum }
        if q == 1 { return maximum }
        var weighted: [(value: Double, weight: Int64)] = []
        weighted.reserveCapacity(retained)
        for (h, level) in levels.enumerated() {
            for x in level { weighted.append((x, 1 << h)) }
        }
        weighted.sort { $0.value < $1.value }
        let target = Int64((q * Double(count)).rounded(.up))
        var cumulative: Int64 = 0
        for (x, w) in weighted {
            cumulative += w
            if cumulative >= target { return x }
        }
        return maximum
    }
}

extension QuantileSketch {
    /// The capacity of level `h` given the current number of levels.
    func levelCapacity(_ h: Int) -> Int { Self.levelCapacity(k: k, depth: levels.count - 1 - h) }

    /// `max(8, round(k * (2/3)^depth))`, in exact integer arithmetic (no `pow`, the same on every
    /// machine); below 8 from depth 30 on for every supported `k`.
    static func levelCapacity(k: Int, depth: Int) -> Int {
        guard depth < 30 else { return minimumWidth }
        var powerOfThree = 1
        for _ in 0 ..< depth { powerOfThree *= 3 }
        let rounded = (2 * (k << depth) + powerOfThree) / (2 * powerOfThree)
        return Swift.max(minimumWidth, rounded)
    }

    /// The sum of the level capacities of a sketch with `levels` levels.
    static func totalCapacity(k: Int, levels: Int) -> Int {
        (0 ..< levels).reduce(0) { $0 + levelCapacity(k: k, depth: $1) }
    }

    /// Compacts the lowest level at or over its capacity (one exists when the sketch is full).
    private mutating func compactLowestFullLevel() {
        var h = 0
        while levels[h].count < levelCapacity(h) { h += 1 }
        compact(level: h)
    }

    /// Halves level `h` into level `h + 1`: sorts it (level 0), sets aside its smallest item if
    /// the count is odd, and promotes every other item of the rest, starting at the first or the
    /// second on a coin flip, with twice the weight.
    private mutating func compact(level h: Int) {
        if h + 1 == levels.count {
            levels.append([])
            capacity = Self.totalCapacity(k: k, levels: levels.count)
        }
        var items: [Double] = []
        swap(&items, &levels[h])
        if h == 0 { items.sort() }
        let odd = items.count & 1
        let half = (items.count - odd) / 2
        let start = odd + coin(items[odd...], level: h)
        items.withUnsafeMutableBufferPointer { buf in
            for i in 0 ..< half { buf[odd + i] = buf[start + 2 * i] }
        }
        Self.mergeSorted(items[odd ..< odd + half], into: &levels[h + 1])
        items.removeLast(items.count - odd)
        levels[h] = items
        retained -= half
    }

    /// Flips the coin of a compaction of `items` at `level`: advances the generator state with a
    /// fingerprint of the items (an order-independent sum of their mixed bit patterns) and the level.
    private mutating func coin(_ items: ArraySlice<Double>, level: Int) -> Int {
        var fingerprint = UInt64(level)
        items.withUnsafeBufferPointer { buf in
            for x in buf { fingerprint &+= SketchHashing.mix(x.bitPattern) }
        }
        state = SketchHashing.mix(state ^ fingerprint)
        return Int(state >> 63)
    }

    /// Merges the sorted `new` into the sorted `a`, in place from the back.
    static func mergeSorted(_ new: ArraySlice<Double>, into a: inout [Double]) {
        let n = a.count
        a.append(contentsOf: new)
        a.withUnsafeMutableBufferPointer { out in
            new.withUnsafeBufferPointer { b in
                var i = n - 1, j = b.count - 1, w = out.count - 1
                while j >= 0 {
                    if i >= 0, out[i] > b[j] {
                        out[w] = out[i]
                        i -= 1
                    } else {
                        out[w] = b[j]
                        j -= 1
                    }
                    w -= 1
                }
            }
        }
    }
}
