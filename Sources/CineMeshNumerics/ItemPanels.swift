/// A model's item factors laid out for top-N serving: panels of 16 items, factor-major inside a
/// panel (factor f of the panel's 16 items is 16 consecutive floats). One query vector scores a
/// whole panel with a broadcast multiply-add per factor and no horizontal sums, which is about
/// 1.5x the throughput of one dot product per item (docs/BENCHMARKS.md, gateway). The top n are
/// kept in a bounded heap that a panel only enters when one of its scores beats the current n-th.
///
/// Scores are those of `BiasedFactorModel.score` up to float rounding (the sum runs in another
/// order): equal-score ties go to the smaller item index.
public struct ItemPanels: Sendable {
    /// Items per panel.
    public static let width = 16
    public let items: Int
    public let factors: Int
    /// Factors per panel rounded up to even (the kernel takes two at a time); the extra one is zero.
    let depth: Int
    /// panels x depth x 16 floats; padding items are zero.
    let values: [Float]
    /// b_i per item, zero on padding.
    let bias: [Float]
    /// 1 / |q_i| per item (zero for a zero vector and on padding), for cosine scores.
    let inverseNorm: [Float]

    /// How a panel's dot products become scores.
    public enum Scoring: Sendable {
        /// offset + b_i + q_i . x: a user's predicted rating (offset = mean + b_u).
        case biased(offset: Float)
        /// q_i . x / |q_i|: the cosine with a query of unit length.
        case cosine
    }

    public init(model: BiasedFactorModel) {
        let m = model.items, width = Self.width
        items = m.rows
        factors = m.factors
        depth = (m.factors + 1) / 2 * 2
        let panels = (m.rows + width - 1) / width
        var values = [Float](repeating: 0, count: panels * depth * width)
        var bias = [Float](repeating: 0, count: panels * width)
        var inverseNorm = [Float](repeating: 0, count: panels * width)
        let depth = depth
        m.values.withUnsafeBufferPointer { q in
            for i in 0 ..< m.rows {
                let p = i / width, lane = i % width
                var squares: Float = 0
                for f in 0 ..< m.factors {
                    let v = q[i * m.stride + f]
                    values[(p * depth + f) * width + lane] = v
                    squares += v * v
                }
                bias[i] = model.itemBias[i]
                inverseNorm[i] = squares > 0 ? 1 / squares.squareRoot() : 0
            }
        }
        self.values = values
        self.bias = bias
        self.inverseNorm = inverseNorm
    }

    /// |q_i|.
    public func norm(_ i: Int) -> Float { inverseNorm[i] > 0 ? 1 / inverseNorm[i] : 0 }

    /// The n best items for query `x` (at least `depth` floats: a padded factor row), best first,
    /// leaving out the ascending `exclude` and, with `allowed`, every item outside it. Nothing is
    /// allocated per item; panels with no allowed item are skipped unscored.
    public func top(_ x: UnsafePointer<Float>, scoring: Scoring, n: Int, exclude: ArraySlice<UInt32> = [], allowed: ItemMask? = nil)
        -> [(item: Int, score: Float)] {
        let count = min(n, items)
        guard count > 0 else { return [] }
        precondition(allowed.map { $0.items == items } ?? true, "mask over \(allowed!.items) items for \(items)")
        var heap = BoundedHeap(capacity: count)
        var threshold = -Float.infinity
        let width = Self.width, depth = depth, panels = (items + width - 1) / width
        let (cosine, offset): (Bool, Float) = switch scoring {
        case .biased(let offset): (false, offset)
        case .cosine: (true, 0)
        }
        values.withUnsafeBufferPointer { v in
            (cosine ? inverseNorm : bias).withUnsafeBufferPointer { perItem in
                exclude.withUnsafeBufferPointer { skip in
                    var s = 0
                    let words = allowed?.words
                    for p in 0 ..< panels {
                        var bits = words?[p] ?? ItemMask.validBits(panel: p, items: items)
                        let end = UInt32(truncatingIfNeeded: (p + 1) * width)
                        while s < skip.count && skip[s] < end {
                            if Int(skip[s]) >= p * width { bits &= ~(1 << UInt16(Int(skip[s]) - p * width)) }
                            s += 1
                        }
                        guard bits != 0 else { continue }
                        let (low, high) = Self.panelScores(x, UnsafeRawPointer(v.baseAddress! + p * depth * width), depth: depth,
                                                           perItem: UnsafeRawPointer(perItem.baseAddress! + p * width),
                                                           cosine: cosine, offset: offset)
                        if bits == 0xFFFF, Self.bound(Self.pairwiseMax(low, high)) < threshold { continue }
                        Self.offer(low, bits: bits & 0xFF, first: p * width, threshold: &threshold, to: &heap)
                        Self.offer(high, bits: bits >> 8, first: p * width + 8, threshold: &threshold, to: &heap)
                    }
                }
            }
        }
        return heap.sorted()
    }

    /// The 16 scores of one panel (two halves of 8).
    @inline(__always)
    static func panelScores(_ x: UnsafePointer<Float>, _ panel: UnsafeRawPointer, depth: Int, perItem: UnsafeRawPointer,
                            cosine: Bool, offset: Float) -> (SIMD8<Float>, SIMD8<Float>) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var f = 0
        while f < depth {
            let s = SIMD8<Float>(repeating: x[f]), t = SIMD8<Float>(repeating: x[f + 1])
            a0 += s * panel.loadUnaligned(fromByteOffset: f * 64, as: SIMD8<Float>.self)
            a1 += s * panel.loadUnaligned(fromByteOffset: f * 64 + 32, as: SIMD8<Float>.self)
            a2 += t * panel.loadUnaligned(fromByteOffset: f * 64 + 64, as: SIMD8<Float>.self)
            a3 += t * panel.loadUnaligned(fromByteOffset: f * 64 + 96, as: SIMD8<Float>.self)
            f += 2
        }
        let low = perItem.loadUnaligned(as: SIMD8<Float>.self), high = perItem.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        if cosine { return ((a0 + a2) * low, (a1 + a3) * high) }
        let o = SIMD8<Float>(repeating: offset)
        return ((o + low) + (a0 + a2), (o + high) + (a1 + a3))
    }

    /// Offers the allowed lanes (`bits`) of 8 scores to the heap, once it is full only those that
    /// beat the n-th best (`threshold`, -infinity before). A half-panel with all lanes allowed is
    /// first tested as a whole against an upper bound of its best score, so most cost no branch
    /// per lane.
    @inline(__always)
    static func offer(_ scores: SIMD8<Float>, bits: UInt16, first: Int, threshold: inout Float, to heap: inout BoundedHeap) {
        if bits == 0xFF, bound(scores) < threshold { return }
        var bits = bits
        while bits != 0 {
            let lane = bits.trailingZeroBitCount
            bits &= bits - 1
            let score = scores[lane]
            if score > threshold || !heap.isFull {
                heap.offer(item: first + lane, score: score)
                if heap.isFull { threshold = heap.worstScore }
            }
        }
    }

    /// A number no smaller than the largest of 8 scores, from pairwise maxima written as
    /// (a + b + |a - b|) / 2 (plain vector arithmetic: Swift's SIMD reductions and masks compile
    /// lane by lane here), widened by far more than the few ulps that formula can lose.
    @inline(__always)
    static func bound(_ v: SIMD8<Float>) -> Float {
        let m4 = pairwiseMax(v.lowHalf, v.highHalf)
        let m2 = pairwiseMax(m4, SIMD4<Float>(m4.z, m4.w, m4.x, m4.y))
        let m = max(m2.x, m2.y)
        return m + (m.magnitude + 1) * 1e-5
    }

    /// Lane-wise (a + b + |a - b|) / 2: max(a, b) up to a few ulps.
    @inline(__always)
    static func pairwiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        let magnitude = unsafeBitCast(unsafeBitCast(a - b, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
        return (a + b + magnitude) * 0.5
    }

    @inline(__always)
    static func pairwiseMax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        let magnitude = unsafeBitCast(unsafeBitCast(a - b, to: SIMD4<UInt32>.self) & SIMD4(repeating: 0x7FFF_FFFF), to: SIMD4<Float>.self)
        return (a + b + magnitude) * 0.5
    }
}
