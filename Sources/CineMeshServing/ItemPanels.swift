import CineMeshNumerics

/// A model's item factors laid out for top-N serving: panels of 16 items, factor-major inside a
/// panel, each factor rounded to bfloat16 (the top 16 bits of a Float) so a pass over the items
/// reads half the bytes. One query vector scores a whole panel with a broadcast multiply-add per
/// factor and no horizontal sums; a panel's scores only reach the heap when an upper bound of the
/// best of them can still make the top n.
///
/// The rounded factors only choose candidates: every item whose approximate score is within twice
/// the rounding error's bound of the n-th best approximate score is rescored from the exact
/// Float factors, so the answer (items, order, scores, ties to the smaller index) is exactly the
/// one an exhaustive `BiasedFactorModel.score` pass gives.
public struct ItemPanels: Sendable {
    /// Items per panel.
    public static let width = 16
    public let items: Int
    public let factors: Int
    /// Factors per panel rounded up to even (the kernel takes two at a time); the extra one is zero.
    let depth: Int
    /// panels x depth x 8 words; word j of a (panel, factor) row holds items 2j (low half) and
    /// 2j + 1 (high half) as bfloat16. Padding items are zero.
    let values: [UInt32]
    /// b_i and 1 / |q_i| (zero for a zero vector) per item, both in lane order: a panel's 8 even
    /// items, then its 8 odd ones. Zero on padding.
    let bias: [Float]
    let inverseNorm: [Float]
    /// The exact factors and biases, for rescoring candidates.
    let exact: FactorMatrix
    let exactBias: [Float]
    /// Largest |q_i| and |b_i|, for the bound on the rounding error.
    let maxNorm: Float
    let maxBias: Float

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
        var values = [UInt32](repeating: 0, count: panels * depth * width / 2)
        var bias = [Float](repeating: 0, count: panels * width)
        var inverseNorm = [Float](repeating: 0, count: panels * width)
        var maxNorm: Float = 0
        let depth = depth
        m.values.withUnsafeBufferPointer { q in
            for i in 0 ..< m.rows {
                let p = i / width, lane = i % width
                var squares: Float = 0
                for f in 0 ..< m.factors {
                    let v = q[i * m.stride + f]
                    values[(p * depth + f) * width / 2 + lane / 2] |= UInt32(Self.bfloat16(v)) << (lane % 2 == 0 ? 0 : 16)
                    squares += v * v
                }
                let slot = p * width + (lane % 2 == 0 ? lane / 2 : 8 + lane / 2)
                bias[slot] = model.itemBias[i]
                inverseNorm[slot] = squares > 0 ? 1 / squares.squareRoot() : 0
                maxNorm = max(maxNorm, squares.squareRoot())
            }
        }
        self.values = values
        self.bias = bias
        self.inverseNorm = inverseNorm
        exact = m
        exactBias = model.itemBias
        self.maxNorm = maxNorm
        maxBias = model.itemBias.reduce(0) { max($0, $1.magnitude) }
    }

    /// v rounded to the nearest bfloat16 (ties to even): relative error at most 2^-9.
    static func bfloat16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    /// The exact score of item `i`: the dot product comes from the numerics library, so it is the
    /// very number `BiasedFactorModel.score` gives, whatever CPU this module was built for.
    func exactScore(_ x: UnsafePointer<Float>, _ i: Int, cosine: Bool, offset: Float) -> Float {
        let dot = exact.dot(x, row: i)
        return cosine ? dot * inverseNorm[Self.slot(i)] : offset + exactBias[i] + dot
    }

    /// Where item i's per-item values sit in lane order.
    @inline(__always)
    static func slot(_ i: Int) -> Int {
        let lane = i % width
        return i - lane + (lane % 2 == 0 ? lane / 2 : 8 + lane / 2)
    }

    /// |q_i|.
    public func norm(_ i: Int) -> Float {
        let inverse = inverseNorm[Self.slot(i)]
        return inverse > 0 ? 1 / inverse : 0
    }

    /// The n best items for query `x` (at least `depth` floats: a padded factor row), best first,
    /// leaving out the ascending `exclude` and, with `allowed`, every item outside it. Panels with
    /// no allowed item are skipped unscored; nothing is allocated per item.
    public func top(_ x: UnsafePointer<Float>, scoring: Scoring, n: Int, exclude: ArraySlice<UInt32> = [], allowed: ItemMask? = nil)
        -> [(item: Int, score: Float)] {
        let count = min(n, items)
        guard count > 0 else { return [] }
        precondition(allowed.map { $0.items == items } ?? true, "mask over \(allowed!.items) items for \(items)")
        let (cosine, offset): (Bool, Float) = switch scoring {
        case .biased(let offset): (false, offset)
        case .cosine: (true, 0)
        }
        // |approximate - exact| <= 2^-9 |q_i| |x| from the rounding (Cauchy-Schwarz), plus the
        // float error of two differently ordered sums, far below the 1e-4 relative slack added.
        var squares: Float = 0
        for f in 0 ..< factors { squares += x[f] * x[f] }
        let scale = cosine ? Float(1) : maxNorm
        let slack = (Float(1) / 512 + 1e-4) * scale * squares.squareRoot() + 1e-4 * (offset.magnitude + maxBias + 1)
        var search = CandidateSearch(capacity: count, margin: 2 * slack)
        let width = Self.width, depth = depth, panels = (items + width - 1) / width
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
                        let (even, odd) = Self.panelScores(x, v.baseAddress! + p * depth * width / 2, depth: depth,
                                                           perItem: UnsafeRawPointer(perItem.baseAddress! + p * width),
                                                           cosine: cosine, offset: offset)
                        if bits == 0xFFFF, Self.bound(Self.pairwiseMax(even, odd)) < search.cutoff { continue }
                        search.offer(even, bits: Self.compact(bits), first: p * width)
                        search.offer(odd, bits: Self.compact(bits >> 1), first: p * width + 1)
                    }
                }
            }
        }
        var heap = BoundedHeap(capacity: count)
        for (item, approximate) in search.candidates where approximate >= search.cutoff {
            heap.offer(item: item, score: exactScore(x, item, cosine: cosine, offset: offset))
        }
        return heap.sorted()
    }

    /// The approximate scores of one panel: its 8 even items, then its 8 odd ones.
    @inline(__always)
    static func panelScores(_ x: UnsafePointer<Float>, _ panel: UnsafePointer<UInt32>, depth: Int, perItem: UnsafeRawPointer,
                            cosine: Bool, offset: Float) -> (SIMD8<Float>, SIMD8<Float>) {
        let raw = UnsafeRawPointer(panel)
        let high = SIMD8<UInt32>(repeating: 0xFFFF_0000)
        var e0 = SIMD8<Float>(), o0 = SIMD8<Float>(), e1 = SIMD8<Float>(), o1 = SIMD8<Float>()
        var f = 0
        while f < depth {
            let s = SIMD8<Float>(repeating: x[f]), t = SIMD8<Float>(repeating: x[f + 1])
            let a = raw.loadUnaligned(fromByteOffset: f * 32, as: SIMD8<UInt32>.self)
            let b = raw.loadUnaligned(fromByteOffset: f * 32 + 32, as: SIMD8<UInt32>.self)
            e0 += s * unsafeBitCast(a &<< 16, to: SIMD8<Float>.self)
            o0 += s * unsafeBitCast(a & high, to: SIMD8<Float>.self)
            e1 += t * unsafeBitCast(b &<< 16, to: SIMD8<Float>.self)
            o1 += t * unsafeBitCast(b & high, to: SIMD8<Float>.self)
            f += 2
        }
        let evenItems = perItem.loadUnaligned(as: SIMD8<Float>.self), oddItems = perItem.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        if cosine { return ((e0 + e1) * evenItems, (o0 + o1) * oddItems) }
        let o = SIMD8<Float>(repeating: offset)
        return ((o + evenItems) + (e0 + e1), (o + oddItems) + (o0 + o1))
    }

    /// Bits 0, 2, 4, ..., 14 of `bits` moved to bits 0 ... 7.
    @inline(__always)
    static func compact(_ bits: UInt16) -> UInt16 {
        var x = bits & 0x5555
        x = (x | (x >> 1)) & 0x3333
        x = (x | (x >> 2)) & 0x0F0F
        return (x | (x >> 4)) & 0x00FF
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
