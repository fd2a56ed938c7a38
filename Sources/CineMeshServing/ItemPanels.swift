import CineMeshNumerics

/// A model's item factors laid out for top-N serving: panels of 16 items, factor-major inside a
/// panel, each factor rounded to bfloat16 (the top 16 bits of a Float) so a pass over the items
/// reads half the bytes. One query vector scores a whole panel with a broadcast multiply-add per
/// factor and no horizontal sums; a panel's scores only reach the heap when an upper bound of the
/// best of them can still make the top n.
///
/// Items sit in the panels by descending bias, and each panel knows its largest bias and factor
/// norm: b_i + q_i . x <= max b + max |q| |x| bounds a whole panel before it is scored
/// (Cauchy-Schwarz), and once the n-th best score passes the bound of every panel left, the pass
/// ends. The best items are mostly the high-bias ones, met first, so most panels are never scored
/// (on the benchmark's 20,000-item model about one in eight is).
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
    /// The item at each position of the panels (descending bias, then ascending item), and the
    /// position of each item.
    let order: [Int32]
    let position: [Int32]
    /// panels x depth x 8 words; word j of a (panel, factor) row holds positions 2j (low half) and
    /// 2j + 1 (high half) as bfloat16. Padding positions are zero.
    let values: [UInt32]
    /// b_i and 1 / |q_i| (zero for a zero vector) per position, both in lane order: a panel's 8
    /// even positions, then its 8 odd ones. Zero on padding.
    let bias: [Float]
    let inverseNorm: [Float]
    /// Per panel: the largest b_i, the largest |q_i|, and the largest |q_i| of it and every panel
    /// after it.
    let panelBias: [Float]
    let panelNorm: [Float]
    let tailNorm: [Float]
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
        let order = (0 ..< m.rows).sorted { (model.itemBias[$0], -$0) > (model.itemBias[$1], -$1) }
        var position = [Int32](repeating: 0, count: m.rows)
        for (p, i) in order.enumerated() { position[i] = Int32(p) }
        let panels = (m.rows + width - 1) / width
        var values = [UInt32](repeating: 0, count: panels * depth * width / 2)
        var bias = [Float](repeating: 0, count: panels * width)
        var inverseNorm = [Float](repeating: 0, count: panels * width)
        var panelBias = [Float](repeating: -.infinity, count: panels), panelNorm = [Float](repeating: 0, count: panels)
        let depth = depth
        m.values.withUnsafeBufferPointer { q in
            for (at, i) in order.enumerated() {
                let p = at / width, lane = at % width
                var squares: Float = 0
                for f in 0 ..< m.factors {
                    let v = q[i * m.stride + f]
                    values[(p * depth + f) * width / 2 + lane / 2] |= UInt32(Self.bfloat16(v)) << (lane % 2 == 0 ? 0 : 16)
                    squares += v * v
                }
                let slot = Self.slot(at)
                bias[slot] = model.itemBias[i]
                inverseNorm[slot] = squares > 0 ? 1 / squares.squareRoot() : 0
                panelBias[p] = max(panelBias[p], model.itemBias[i])
                panelNorm[p] = max(panelNorm[p], squares.squareRoot())
            }
        }
        var tailNorm = panelNorm
        for p in stride(from: panels - 2, through: 0, by: -1) { tailNorm[p] = max(tailNorm[p], tailNorm[p + 1]) }
        self.order = order.map { Int32($0) }
        self.position = position
        self.values = values
        self.bias = bias
        self.inverseNorm = inverseNorm
        self.panelBias = panelBias
        self.panelNorm = panelNorm
        self.tailNorm = tailNorm
        exact = m
        exactBias = model.itemBias
        maxNorm = panelNorm.max() ?? 0
        maxBias = model.itemBias.reduce(0) { max($0, $1.magnitude) }
    }

    /// An empty set of this model's items, to fill with `ItemMask.insert`.
    public func emptyMask() -> ItemMask { ItemMask(positions: position) }

    /// The set of `allowed` items (indices outside 0 ..< items are ignored).
    public func mask<S: Sequence>(allowing allowed: S) -> ItemMask where S.Element == Int {
        var mask = emptyMask()
        for i in allowed where i >= 0 && i < items { mask.insert(i) }
        return mask
    }

    /// v rounded to the nearest bfloat16 (ties to even): relative error at most 2^-9.
    static func bfloat16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    /// The exact score of item `i` (an item, not a position): the dot product comes from the
    /// numerics library, so it is the very number `BiasedFactorModel.score` gives, whatever CPU
    /// this module was built for.
    func exactScore(_ x: UnsafePointer<Float>, _ i: Int, cosine: Bool, offset: Float) -> Float {
        let dot = exact.dot(x, row: i)
        return cosine ? dot * inverseNorm[Self.slot(Int(position[i]))] : offset + exactBias[i] + dot
    }

    /// Where position `at`'s per-item values sit in lane order.
    @inline(__always)
    static func slot(_ at: Int) -> Int {
        let lane = at % width
        return at - lane + (lane % 2 == 0 ? lane / 2 : 8 + lane / 2)
    }

    /// |q_i|.
    public func norm(_ i: Int) -> Float {
        let inverse = inverseNorm[Self.slot(Int(position[i]))]
        return inverse > 0 ? 1 / inverse : 0
    }

    /// The n best items for query `x` (at least `depth` floats: a padded factor row), best first,
    /// leaving out `exclude` and, with `allowed` (a mask made by these panels), every item outside
    /// it. Panels with no allowed item are skipped unscored; nothing is allocated per item.
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
        // The panel bound, widened for the float error of computing it.
        let length = squares.squareRoot() * (1 + 1e-5)
        let reach = slack + 1e-5 * (offset.magnitude + maxBias + 1)
        let skip = exclude.compactMap { Int($0) < items ? position[Int($0)] : nil }.sorted()
        values.withUnsafeBufferPointer { v in
            (cosine ? inverseNorm : bias).withUnsafeBufferPointer { perItem in
                skip.withUnsafeBufferPointer { skip in
                    var s = 0
                    let words = allowed?.words
                    for p in 0 ..< panels {
                        if !cosine {
                            if offset + panelBias[p] + tailNorm[p] * length + reach < search.cutoff { break }
                            if offset + panelBias[p] + panelNorm[p] * length + reach < search.cutoff { continue }
                        }
                        var bits = words?[p] ?? ItemMask.validBits(panel: p, items: items)
                        let end = Int32(truncatingIfNeeded: (p + 1) * width)
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
        for (at, approximate) in search.candidates where approximate >= search.cutoff {
            let item = Int(order[at])
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
