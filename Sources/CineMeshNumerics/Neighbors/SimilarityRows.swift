import CineMeshData
import Foundation

/// The similarities of x's to every other x, row by row, and each row's kept neighbours. Row x is
/// summed in one dense accumulator over all x's (`width` Doubles each, small enough to stay in
/// cache): for each y that rated x, in ascending order, every other x' that y rated adds to the
/// pair's sums. Then each touched x' gives its similarity, and the row keeps its best.
///
/// The sums per pair, the count n first, then
///
/// - cosine, pearson_baseline: Σ v_x v_x', Σ v_x², Σ v_x'²;
/// - pearson: the same and Σ v_x, Σ v_x';
/// - msd: Σ (v_x - v_x')².
///
/// A pair's sums are added in ascending y order whatever rows are computed where, and every rule
/// is symmetric to the bit (products and squares commute), so row x's similarity to x' is the
/// same bits as row x''s to x. Rows are spread over threads and, on a cluster, over workers (a
/// `knn-rows` task computes a grid line's rows): the lists are the same for any split of the rows.
/// Each row costs the sum, over the y's that rated x, of their rating counts: twice the work of
/// summing each unordered pair once, traded for an accumulator that stays in cache instead of an
/// x-by-x matrix of sums that does not.
public struct SimilarityRows: Sendable {
    /// The values by y (their x's ascending) and by x (their y's ascending).
    public let byY: CoRatingInput
    public let byX: CoRatingInput
    public let parameters: KNNParameters
    /// How finely the rows are chunked for the parallel loop: about 8 chunks per thread named
    /// here (`concurrentPerform` then runs the chunks on every core). The lists do not depend on it.
    public var threads: Int

    /// Rows over `count` x's of the ratings `byY`.
    public init(_ byY: CoRatingInput, count: Int, parameters: KNNParameters, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.byY = byY
        byX = byY.transposed(count: count)
        self.parameters = parameters
        self.threads = max(1, threads)
    }

    /// x's.
    public var count: Int { byX.rows }

    /// Doubles kept per pair.
    public static func width(_ similarity: NeighborSimilarity) -> Int {
        switch similarity {
        case .msd: 2
        case .cosine, .pearsonBaseline: 4
        case .pearson: 6
        }
    }

    /// The kept neighbour lists of the x's in `rows`, over all x's (the others' lists empty).
    public func lists(rows: Range<Int>) -> NeighborLists {
        switch parameters.similarity {
        case .msd: lists(rows: rows, SquaredDifferenceSums.self)
        case .cosine, .pearsonBaseline: lists(rows: rows, ProductSums.self)
        case .pearson: lists(rows: rows, CorrelationSums.self)
        }
    }

    /// Every x's kept lists. With every positive neighbour kept (`neighbors` 0) each pair is
    /// summed once, from its lower x, and its similarity written into both lists: half the pair
    /// work of `lists(rows:)`, with the same lists (a pair's similarity is the same bits from
    /// either end). A bounded list needs each row's every candidate at once, so it goes row by row.
    public func allLists() -> NeighborLists {
        guard parameters.neighbors == 0 else { return lists(rows: 0 ..< count) }
        switch parameters.similarity {
        case .msd: return pairLists(SquaredDifferenceSums.self)
        case .cosine, .pearsonBaseline: return pairLists(ProductSums.self)
        case .pearson: return pairLists(CorrelationSums.self)
        }
    }

    private func pairLists<K: PairSums>(_: K.Type) -> NeighborLists {
        // Where each of x's ratings sits in its y's row: the pairs with a higher x follow it.
        var positions = [Int](repeating: 0, count: byX.others.count)
        var next = Array(byX.offsets.dropLast())
        for y in 0 ..< byY.rows {
            for j in byY.offsets[y] ..< byY.offsets[y + 1] {
                let x = Int(byY.others[j])
                positions[next[x]] = j
                next[x] += 1
            }
        }
        let chunkRows = max(4, (count + 8 * threads - 1) / (8 * threads))
        let chunks = (count + chunkRows - 1) / chunkRows, placed = positions
        var upper = [Chunk](repeating: Chunk(), count: chunks)
        upper.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let first = c * chunkRows
                out.value[c] = chunk(first ..< min(count, first + chunkRows), K.self, from: placed)
            }
        }
        // Each pair (x < x') in both lists, then every list in the lists' order.
        var offsets = [Int](repeating: 0, count: count + 1)
        for (c, part) in upper.enumerated() {
            var at = 0
            for (k, n) in part.counts.enumerated() {
                offsets[c * chunkRows + k + 1] += n
                for j in at ..< at + n { offsets[Int(part.neighbors[j]) + 1] += 1 }
                at += n
            }
        }
        for x in 0 ..< count { offsets[x + 1] += offsets[x] }
        var fill = Array(offsets.dropLast())
        var neighbors = [Int32](repeating: 0, count: offsets[count]), similarities = [Double](repeating: 0, count: offsets[count])
        for (c, part) in upper.enumerated() {
            var at = 0
            for (k, n) in part.counts.enumerated() {
                let x = c * chunkRows + k
                for j in at ..< at + n {
                    let x2 = Int(part.neighbors[j]), sim = part.similarities[j]
                    (neighbors[fill[x]], similarities[fill[x]]) = (Int32(x2), sim)
                    fill[x] += 1
                    (neighbors[fill[x2]], similarities[fill[x2]]) = (Int32(x), sim)
                    fill[x2] += 1
                }
                at += n
            }
        }
        let starts = offsets
        neighbors.withUnsafeMutableBufferPointer { nb in
            similarities.withUnsafeMutableBufferPointer { sb in
                let out = UnsafeSendable((nb, sb))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let (nb, sb) = out.value
                    var scratch: [NeighborLists.Entry] = []
                    for x in c * chunkRows ..< min(count, (c + 1) * chunkRows) {
                        scratch.removeAll(keepingCapacity: true)
                        for j in starts[x] ..< starts[x + 1] { scratch.append(NeighborLists.Entry(neighbor: nb[j], similarity: sb[j])) }
                        scratch.sort(by: NeighborLists.Entry.before)
                        for (k, e) in scratch.enumerated() { (nb[starts[x] + k], sb[starts[x] + k]) = (e.neighbor, e.similarity) }
                    }
                }
            }
        }
        return NeighborLists(offsets: offsets, neighbors: neighbors, similarities: similarities)
    }

    /// One chunk of rows' lists, concatenated.
    private struct Chunk {
        var counts: [Int] = []
        var neighbors: [Int32] = []
        var similarities: [Double] = []
    }

    private func lists<K: PairSums>(rows: Range<Int>, _: K.Type) -> NeighborLists {
        let chunkRows = max(4, (rows.count + 8 * threads - 1) / (8 * threads))
        let chunks = (rows.count + chunkRows - 1) / chunkRows
        var results = [Chunk](repeating: Chunk(), count: chunks)
        results.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let first = rows.lowerBound + c * chunkRows
                out.value[c] = chunk(first ..< min(rows.upperBound, first + chunkRows), K.self)
            }
        }
        var offsets = [Int](repeating: 0, count: count + 1)
        var neighbors: [Int32] = [], similarities: [Double] = []
        for (c, result) in results.enumerated() {
            for (k, n) in result.counts.enumerated() { offsets[rows.lowerBound + c * chunkRows + k + 1] = n }
            neighbors += result.neighbors
            similarities += result.similarities
        }
        for x in 0 ..< count { offsets[x + 1] += offsets[x] }
        return NeighborLists(offsets: offsets, neighbors: neighbors, similarities: similarities)
    }

    /// The lists of `rows`, in this thread: one accumulator row, reset after each row.
    /// With `positions` (each of x's ratings' place in its y's row), only the pairs with a higher
    /// x' are summed, and each row's positive similarities come out unsorted, every one.
    private func chunk<K: PairSums>(_ rows: Range<Int>, _: K.Type, from positions: [Int]? = nil) -> Chunk {
        let p = parameters, w = K.width, keep = p.neighbors
        var out = Chunk()
        // Raw buffers: the pair loop touches them for every co-rating, with no bounds or
        // exclusivity checks.
        let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count * w))
        acc.initialize(repeating: 0, count: max(1, count * w))
        let touched = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, count))
        defer {
            acc.deallocate()
            touched.deallocate()
        }
        var scratch: [NeighborLists.Entry] = []
        byX.offsets.withUnsafeBufferPointer { xStart in
            byY.offsets.withUnsafeBufferPointer { yStart in
                byX.others.withUnsafeBufferPointer { yOf in
                    byX.values.withUnsafeBufferPointer { vOf in
                        byY.others.withUnsafeBufferPointer { xOf in
                            byY.values.withUnsafeBufferPointer { wOf in
                                for x in rows {
                                    // x itself is summed too (one branch less per co-rating) and
                                    // skipped when the row is read.
                                    var touchedCount = 0
                                    for e in xStart[x] ..< xStart[x + 1] {
                                        let y = Int(yOf[e]), vx = vOf[e]
                                        for f in (positions.map { $0[e] + 1 } ?? yStart[y]) ..< yStart[y + 1] {
                                            let x2 = Int(xOf[f])
                                            let at = acc + x2 * w
                                            if at[0] == 0 {
                                                touched[touchedCount] = Int32(x2)
                                                touchedCount += 1
                                            }
                                            K.add(at, vx, wOf[f])
                                        }
                                    }
                                    scratch.removeAll(keepingCapacity: true)
                                    for t in 0 ..< touchedCount {
                                        let x2 = Int(touched[t]), at = acc + x2 * w
                                        let sim = x2 == x ? 0 : Self.similarity(at, rule: p.similarity, minSupport: p.minSupport, shrinkage: p.shrinkage)
                                        for k in 0 ..< w { at[k] = 0 }
                                        if sim > 0 { scratch.append(NeighborLists.Entry(neighbor: Int32(x2), similarity: sim)) }
                                    }
                                    if positions == nil { scratch.sort(by: NeighborLists.Entry.before) }
                                    let kept = keep > 0 ? min(keep, scratch.count) : scratch.count
                                    out.counts.append(kept)
                                    for e in scratch.prefix(kept) {
                                        out.neighbors.append(e.neighbor)
                                        out.similarities.append(e.similarity)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The similarity of a pair from its sums `s`: Surprise's formula for the rule, 0 under
    /// `minSupport` shared ratings and where the formula divides by zero.
    @inline(__always)
    public static func similarity(_ s: UnsafePointer<Double>, rule: NeighborSimilarity, minSupport: Int, shrinkage: Double) -> Double {
        let n = s[0]
        guard n >= Double(max(minSupport, 1)) else { return 0 }
        switch rule {
        case .msd:
            return 1 / (s[1] / n + 1)
        case .cosine:
            let d = (s[2] * s[3]).squareRoot()
            return d > 0 ? s[1] / d : 0
        case .pearsonBaseline:
            let d = (s[2] * s[3]).squareRoot()
            return d > 0 ? s[1] / d * ((n - 1) / (n - 1 + shrinkage)) : 0
        case .pearson:
            let num = n * s[1] - s[4] * s[5]
            let d = ((n * s[2] - s[4] * s[4]) * (n * s[3] - s[5] * s[5])).squareRoot()
            return d > 0 ? num / d : 0
        }
    }
}

/// The sums a similarity keeps for one pair, and how one shared rating adds to them: the row loop
/// is specialized for each, so its body holds no branch on the rule.
protocol PairSums: SendableMetatype {
    static var width: Int { get }
    static func add(_ at: UnsafeMutablePointer<Double>, _ vx: Double, _ vOther: Double)
}

/// msd: n, Σ (v_x - v_x')².
enum SquaredDifferenceSums: PairSums {
    static var width: Int { 2 }
    @inline(__always) static func add(_ s: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double) {
        s[0] += 1
        s[1] += (va - vb) * (va - vb)
    }
}

/// cosine and pearson_baseline: n, Σ v_x v_x', Σ v_x², Σ v_x'².
enum ProductSums: PairSums {
    static var width: Int { 4 }
    @inline(__always) static func add(_ s: UnsafeMutablePointer<Double>, _ va: Double, _ vb: Double) {
        s[0] += 1
        s[1] += va * vb
        s[2] += va * va
        s[3] += vb * vb
    }
}

/// pearson: n, Σ v_x v_x', Σ v_x², Σ v_x'², Σ v_x, Σ v_x'.
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
