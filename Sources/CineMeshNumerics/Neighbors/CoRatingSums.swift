import CineMeshData
import Foundation

/// The sums a similarity needs for every pair (a, b) of x's with a in `a` and b in `b`, over the
/// y's that rated both: a tile of the x-by-x matrix, dense, so that adding one y's ratings is a
/// run of stores into one contiguous buffer with no lookup. A tile with `a == b` holds each pair
/// once (a < b), since every rule is symmetric.
///
/// The sums per pair, `width` Doubles each: the count n first, then
///
/// - cosine, pearson_baseline: Σ v_a v_b, Σ v_a², Σ v_b²;
/// - pearson: the same and Σ v_a, Σ v_b;
/// - msd: Σ (v_a - v_b)².
///
/// Memory is |a| x |b| x width x 8 bytes (half that for a square tile): callers cut the x range
/// into tiles that fit.
public struct CoRatingSums: Sendable {
    public let a: Range<Int>
    public let b: Range<Int>
    public let similarity: NeighborSimilarity
    public let width: Int
    public private(set) var sums: [Double]

    /// Threads the pair loop runs on.
    public var threads: Int

    public init(a: Range<Int>, b: Range<Int>, similarity: NeighborSimilarity, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.threads = max(1, threads)
        self.a = a
        self.b = b
        self.similarity = similarity
        width = Self.width(similarity)
        layout = Layout(rows: a.count, columns: b.count, triangular: a == b)
        sums = [Double](repeating: 0, count: layout.pairs * width)
    }

    /// Where pair (i, j) of the tile (offsets from a's and b's first x) lives: row i starts at
    /// `rowStart(i)` and the pair is `rowStart(i) + j`. A square tile keeps only j > i, packed
    /// row after row, which halves its memory.
    struct Layout {
        let rows: Int
        let columns: Int
        let triangular: Bool

        /// Slots: every pair (i, j) with j > i of a triangular tile, every pair of another.
        var pairs: Int { triangular ? rows * (rows - 1) / 2 : rows * columns }

        @inline(__always)
        func rowStart(_ i: Int) -> Int {
            // Rows before i hold (n - 1) + (n - 2) + ... + (n - i) slots; row i's first is j = i + 1.
            triangular ? i * columns - i * (i + 1) / 2 - i - 1 : i * columns
        }
    }

    private let layout: Layout

    /// Doubles kept per pair.
    public static func width(_ similarity: NeighborSimilarity) -> Int {
        switch similarity {
        case .msd: 2
        case .cosine, .pearsonBaseline: 4
        case .pearson: 6
        }
    }

    public var isDiagonal: Bool { a == b }

    /// Adds the pairs of every y of `input`, y ascending.
    public mutating func add(_ input: CoRatingInput) {
        switch similarity {
        case .msd: add(input, SquaredDifferenceSums.self)
        case .cosine, .pearsonBaseline: add(input, ProductSums.self)
        case .pearson: add(input, CorrelationSums.self)
        }
    }

    /// The pair loop, specialized for the sums kept, with no branch on the rule inside it. The
    /// tile's rows are cut into bands of about equal pair counts, one thread each: a band writes
    /// only its own rows, and each pair's sums are still added in y order.
    private mutating func add<K: PairSums>(_ input: CoRatingInput, _: K.Type) {
        let bands = Self.bands(layout: layout, threads: threads)
        let tile = UnsafeSendable(self)
        sums.withUnsafeMutableBufferPointer { s in
            let base = UnsafeSendable(s.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: bands.count) { band in
                tile.value.add(input, K.self, rows: bands[band], into: base.value)
            }
        }
    }

    private func add<K: PairSums>(_ input: CoRatingInput, _: K.Type, rows: Range<Int>, into base: UnsafeMutablePointer<Double>) {
        let (a0, b0, b1) = (Int32(a.lowerBound), Int32(b.lowerBound), Int32(b.upperBound))
        let (r0, r1) = (a0 + Int32(rows.lowerBound), a0 + Int32(rows.upperBound))
        let diagonal = isDiagonal, layout = layout
        input.xs.withUnsafeBufferPointer { xs in
            input.values.withUnsafeBufferPointer { vs in
                for y in 0 ..< input.ys {
                    let start = input.offsets[y], end = input.offsets[y + 1]
                    guard end - start > (diagonal ? 1 : 0) else { continue }
                    let pa = Self.lowerBound(xs, start, end, r0), ea = Self.lowerBound(xs, pa, end, r1)
                    guard pa < ea else { continue }
                    let pb = diagonal ? pa : Self.lowerBound(xs, start, end, b0)
                    let eb = Self.lowerBound(xs, pb, end, b1)
                    guard pb < eb else { continue }
                    for p in pa ..< ea {
                        let va = vs[p], row = base + layout.rowStart(Int(xs[p] - a0)) * K.width
                        for q in (diagonal ? p + 1 : pb) ..< eb {
                            K.add(row + Int(xs[q] - b0) * K.width, va, vs[q])
                        }
                    }
                }
            }
        }
    }

    /// Row bands of about equal pair counts, at most `threads` of them.
    static func bands(layout: Layout, threads: Int) -> [Range<Int>] {
        let rows = layout.rows, total = layout.pairs
        guard threads > 1, rows > 1, total > 0 else { return [0 ..< rows] }
        var bands: [Range<Int>] = [], start = 0, done = 0
        for i in 0 ..< rows {
            done += layout.triangular ? rows - 1 - i : layout.columns
            if done >= total * (bands.count + 1) / threads, bands.count < threads - 1 {
                bands.append(start ..< i + 1)
                start = i + 1
            }
        }
        if start < rows { bands.append(start ..< rows) }
        return bands
    }

    /// Adds another tile's sums over the same pairs (a partial over other y's): merging partials
    /// in y order gives the sums of one pass only when the partials' y ranges ascend.
    public mutating func merge(_ other: CoRatingSums) {
        precondition(other.a == a && other.b == b && other.similarity == similarity, "merging sums of another tile")
        for k in sums.indices { sums[k] += other.sums[k] }
    }

    /// The similarity of the pair at `(a, b)`: Surprise's formula for the rule, 0 under
    /// `minSupport` shared ratings and where the formula divides by zero.
    @inline(__always)
    public static func similarity(_ s: UnsafeBufferPointer<Double>, at: Int, rule: NeighborSimilarity, minSupport: Int, shrinkage: Double) -> Double {
        let n = s[at]
        guard n >= Double(max(minSupport, 1)) else { return 0 }
        switch rule {
        case .msd:
            return 1 / (s[at + 1] / n + 1)
        case .cosine:
            let d = (s[at + 2] * s[at + 3]).squareRoot()
            return d > 0 ? s[at + 1] / d : 0
        case .pearsonBaseline:
            let d = (s[at + 2] * s[at + 3]).squareRoot()
            return d > 0 ? s[at + 1] / d * ((n - 1) / (n - 1 + shrinkage)) : 0
        case .pearson:
            let num = n * s[at + 1] - s[at + 4] * s[at + 5]
            let d = ((n * s[at + 2] - s[at + 4] * s[at + 4]) * (n * s[at + 3] - s[at + 5] * s[at + 5])).squareRoot()
            return d > 0 ? num / d : 0
        }
    }

    /// Every pair's similarity, as neighbour lists over `count` x's (the tile's in both
    /// directions, every other x's empty), each the `keep` best (0: all positive ones). Consumes
    /// the sums: each pair's first slot is overwritten with its similarity.
    public mutating func neighbors(count: Int, parameters p: KNNParameters, keep: Int) -> NeighborLists {
        let nb = b.count, w = width, diagonal = isDiagonal, layout = layout, rule = similarity
        let (a0, b0) = (a.lowerBound, b.lowerBound)
        var offsets = [Int](repeating: 0, count: count + 1)
        // Pass 1: each pair's similarity into its first slot, and each x's count of positive ones.
        sums.withUnsafeMutableBufferPointer { s in
            for i in 0 ..< a.count {
                let row = layout.rowStart(i)
                for j in (diagonal ? i + 1 : 0) ..< nb {
                    let at = (row + j) * w
                    let sim = Self.similarity(UnsafeBufferPointer(s), at: at, rule: rule, minSupport: p.minSupport, shrinkage: p.shrinkage)
                    s[at] = sim
                    if sim > 0 {
                        offsets[a0 + i + 1] += 1
                        offsets[b0 + j + 1] += 1
                    }
                }
            }
        }
        for x in 0 ..< count { offsets[x + 1] += offsets[x] }
        // Pass 2: the lists, each x's neighbours in ascending index order (rows before columns).
        var next = offsets
        var neighbors = [Int32](repeating: 0, count: offsets[count])
        var similarities = [Double](repeating: 0, count: offsets[count])
        sums.withUnsafeBufferPointer { s in
            for i in 0 ..< a.count {
                let row = layout.rowStart(i)
                for j in (diagonal ? i + 1 : 0) ..< nb {
                    let sim = s[(row + j) * w]
                    guard sim > 0 else { continue }
                    let (x, y) = (a0 + i, b0 + j)
                    neighbors[next[x]] = Int32(y)
                    similarities[next[x]] = sim
                    next[x] += 1
                    neighbors[next[y]] = Int32(x)
                    similarities[next[y]] = sim
                    next[y] += 1
                }
            }
        }
        return NeighborLists(unsorted: offsets, neighbors: neighbors, similarities: similarities, keep: keep)
    }

    @inline(__always)
    static func lowerBound(_ xs: UnsafeBufferPointer<Int32>, _ start: Int, _ end: Int, _ value: Int32) -> Int {
        var lo = start, hi = end
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// The sums a similarity keeps for one pair, and how one shared rating adds to them: the pair
/// loop is specialized for each, so its body holds no branch on the rule.
protocol PairSums {
    static var width: Int { get }
    static func add(_ at: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double)
}

/// msd: n, Σ (v_a - v_b)².
enum SquaredDifferenceSums: PairSums {
    static var width: Int { 2 }
    @inline(__always) static func add(_ s: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double) {
        s[0] += 1
        s[1] += (va - vb) * (va - vb)
    }
}

/// cosine and pearson_baseline: n, Σ v_a v_b, Σ v_a², Σ v_b².
enum ProductSums: PairSums {
    static var width: Int { 4 }
    @inline(__always) static func add(_ s: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double) {
        s[0] += 1
        s[1] += va * vb
        s[2] += va * va
        s[3] += vb * vb
    }
}

/// pearson: n, Σ v_a v_b, Σ v_a², Σ v_b², Σ v_a, Σ v_b.
enum CorrelationSums: PairSums {
    static var width: Int { 6 }
    @inline(__always) static func add(_ s: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double) {
        s[0] += 1
        s[1] += va * vb
        s[2] += va * va
        s[3] += vb * vb
        s[4] += va
        s[5] += vb
    }
}
