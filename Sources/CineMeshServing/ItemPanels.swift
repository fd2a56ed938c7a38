import CineMeshModel

/// A model's item factors laid out for top-N serving: panels of 16 items holding, for each pair of
/// factors, the 16 items' two factors side by side as 16-bit integers (each item scaled so its
/// largest factor is 32767). A query is quantized the same way once per request, and a panel's 16
/// dot products are exact integer sums: one multiply-add of pairs (`pmaddwd` on x86-64, which the
/// portable SSE2 target has) and one add per 4 items and 2 factors, with no conversion of the
/// stored values and half the bytes of Float factors.
///
/// Items sit in the panels by descending bias, and each panel knows its largest bias and factor
/// norm: b_i + q_i . x <= max b + max |q| |x| bounds a whole panel before it is scored
/// (Cauchy-Schwarz), and once the n-th best score passes the bound of every panel left, the pass
/// ends. The best items are mostly the high-bias ones, met first, so for most users most panels
/// are never scored (on the benchmark's 20,000-item model about one in eight is).
///
/// The quantized factors only choose candidates: every item whose approximate score is within
/// twice the quantization error's bound of the n-th best approximate score is rescored from the
/// exact Float factors, so the answer (items, order, scores, ties to the smaller index) is exactly
/// the one an exhaustive `BiasedFactorModel.score` pass gives.
public struct ItemPanels: Sendable {
    /// Items per panel.
    public static let width = 16
    /// The largest quantized value of a factor.
    static let unit: Float = 32767
    public let items: Int
    public let factors: Int
    /// Factor pairs per panel (factors rounded up to even, halved); a missing last factor is zero.
    let pairs: Int
    /// The item at each position of the panels (descending bias, then ascending item), and the
    /// position of each item.
    let order: [Int32]
    let position: [Int32]
    /// panels x pairs x 16 items x 2 factors. Padding positions are zero.
    let values: [Int16]
    /// Per position: b_i; the factor of item i's quantization, max_f |q_if| / 32767; that factor
    /// over |q_i|, for cosine scores; and 1 / |q_i|. All zero for a zero vector and on padding.
    let bias: [Float]
    let dotScale: [Float]
    let cosineScale: [Float]
    let inverseNorm: [Float]
    /// Per factor, the largest quantized magnitude of any item: it bounds the integer sums.
    let columnMax: [Int32]
    /// Per panel: the largest b_i, the largest |q_i|, and the largest |q_i| of it and every panel
    /// after it.
    let panelBias: [Float]
    let panelNorm: [Float]
    let tailNorm: [Float]
    /// The exact factors and biases, for rescoring candidates.
    let exact: FactorMatrix
    let exactBias: [Float]
    /// For the bound on the quantization error: the largest |q_i|, |b_i|, sum_f |q_if| and
    /// max_f |q_if|, and the last two over |q_i| (for cosine scores).
    let maxNorm: Float
    let maxBias: Float
    let maxL1: Float
    let maxInf: Float
    let maxL1Ratio: Float
    let maxInfRatio: Float

    /// Four lanes of scores: SIMD4 is the widest vector whose Int32-to-Float conversion Swift
    /// inlines (one `cvtdq2ps`); SIMD16's is an out-of-line call.
    typealias Quarter = SIMD4<Float>

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
        pairs = (m.factors + 1) / 2
        let order = (0 ..< m.rows).sorted { (model.itemBias[$0], -$0) > (model.itemBias[$1], -$1) }
        var position = [Int32](repeating: 0, count: m.rows)
        for (p, i) in order.enumerated() { position[i] = Int32(p) }
        let panels = (m.rows + width - 1) / width, slots = panels * width
        var values = [Int16](repeating: 0, count: slots * pairs * 2)
        var bias = [Float](repeating: 0, count: slots), dotScale = bias, cosineScale = bias, inverseNorm = bias
        var columnMax = [Int32](repeating: 0, count: m.factors)
        var panelBias = [Float](repeating: -.infinity, count: panels), panelNorm = [Float](repeating: 0, count: panels)
        var maxL1: Float = 0, maxInf: Float = 0, maxL1Ratio: Float = 0, maxInfRatio: Float = 0
        let pairs = pairs
        m.values.withUnsafeBufferPointer { q in
            for (at, i) in order.enumerated() {
                let p = at / width, lane = at % width, row = q.baseAddress! + i * m.stride
                var squares: Float = 0, l1: Float = 0, largest: Float = 0
                for f in 0 ..< m.factors {
                    squares += row[f] * row[f]
                    l1 += row[f].magnitude
                    largest = max(largest, row[f].magnitude)
                }
                let norm = squares.squareRoot()
                if largest > 0 {
                    for f in 0 ..< m.factors {
                        let v = Int16((row[f] / largest * Self.unit).rounded())
                        values[((p * pairs + f / 2) * width + lane) * 2 + f % 2] = v
                        columnMax[f] = max(columnMax[f], Int32(v.magnitude))
                    }
                }
                bias[at] = model.itemBias[i]
                dotScale[at] = largest / Self.unit
                inverseNorm[at] = norm > 0 ? 1 / norm : 0
                cosineScale[at] = dotScale[at] * inverseNorm[at]
                panelBias[p] = max(panelBias[p], model.itemBias[i])
                panelNorm[p] = max(panelNorm[p], norm)
                maxL1 = max(maxL1, l1)
                maxInf = max(maxInf, largest)
                if norm > 0 {
                    maxL1Ratio = max(maxL1Ratio, l1 / norm)
                    maxInfRatio = max(maxInfRatio, largest / norm)
                }
            }
        }
        var tailNorm = panelNorm
        for p in stride(from: panels - 2, through: 0, by: -1) { tailNorm[p] = max(tailNorm[p], tailNorm[p + 1]) }
        self.order = order.map { Int32($0) }
        self.position = position
        self.values = values
        self.bias = bias
        self.dotScale = dotScale
        self.cosineScale = cosineScale
        self.inverseNorm = inverseNorm
        self.columnMax = columnMax
        self.panelBias = panelBias
        self.panelNorm = panelNorm
        self.tailNorm = tailNorm
        exact = m
        exactBias = model.itemBias
        maxNorm = panelNorm.max() ?? 0
        maxBias = model.itemBias.reduce(0) { max($0, $1.magnitude) }
        self.maxL1 = maxL1
        self.maxInf = maxInf
        self.maxL1Ratio = maxL1Ratio
        self.maxInfRatio = maxInfRatio
    }

    /// An empty set of this model's items, to fill with `ItemMask.insert`.
    public func emptyMask() -> ItemMask { ItemMask(positions: position) }

    /// The set of `allowed` items (indices outside 0 ..< items are ignored).
    public func mask<S: Sequence>(allowing allowed: S) -> ItemMask where S.Element == Int {
        var mask = emptyMask()
        for i in allowed where i >= 0 && i < items { mask.insert(i) }
        return mask
    }

    /// The exact score of item `i` (an item, not a position): the dot product comes from the
    /// numerics library, so it is the very number `BiasedFactorModel.score` gives, whatever CPU
    /// this module was built for.
    func exactScore(_ x: UnsafePointer<Float>, _ i: Int, cosine: Bool, offset: Float) -> Float {
        let dot = exact.dot(x, row: i)
        return cosine ? dot * inverseNorm[Int(position[i])] : offset + exactBias[i] + dot
    }

    /// |q_i|.
    public func norm(_ i: Int) -> Float {
        let inverse = inverseNorm[Int(position[i])]
        return inverse > 0 ? 1 / inverse : 0
    }

    /// The query quantized for the panels: x~_f = round(x_f s), with s as large as keeps every
    /// |x~_f| <= 32767 and every item's sum_f |q~_if| |x~_f| below 2^31, so the integer dot
    /// products cannot overflow. Writes each pair (x~_2j, x~_2j+1) as a word repeated in 4 lanes
    /// (what the kernel multiplies 4 items by) and returns 1 / s.
    func quantize(_ x: UnsafePointer<Float>, into words: UnsafeMutablePointer<SIMD4<UInt32>>) -> Float {
        var weighted = 0.0, columns = 0.0, largest: Float = 0
        for f in 0 ..< factors {
            weighted += Double(columnMax[f]) * Double(x[f].magnitude)
            columns += Double(columnMax[f])
            largest = max(largest, x[f].magnitude)
        }
        guard largest > 0, weighted > 0 else {
            for j in 0 ..< pairs { words[j] = SIMD4() }
            return 1
        }
        // |x~_f| <= |x_f| s + 1/2, so sum_f columnMax_f |x~_f| <= s weighted + columns / 2.
        let scale = min(Double(Self.unit) / Double(largest), (Double(Int32.max) - columns) / weighted) * (1 - 1e-6)
        for j in 0 ..< pairs {
            let f = 2 * j
            let low = Int16((Double(x[f]) * scale).rounded())
            let high = f + 1 < factors ? Int16((Double(x[f + 1]) * scale).rounded()) : 0
            words[j] = SIMD4(repeating: UInt32(UInt16(bitPattern: low)) | UInt32(UInt16(bitPattern: high)) << 16)
        }
        return Float(1 / scale)
    }

    /// The n best items for query `x` (a padded factor row: the exact rescoring reads the
    /// model's `stride` floats), best first, leaving out
    /// `exclude` and, with `allowed` (a mask made by these panels), every item outside it. Panels
    /// with no allowed item are skipped unscored; nothing is allocated per item.
    public func top(_ x: UnsafePointer<Float>, scoring: Scoring, n: Int, exclude: ArraySlice<UInt32> = [], allowed: ItemMask? = nil)
        -> [(item: Int, score: Float)] {
        let count = min(n, items)
        guard count > 0 else { return [] }
        precondition(allowed.map { $0.items == items } ?? true, "mask over \(allowed!.items) items for \(items)")
        let (cosine, offset): (Bool, Float) = switch scoring {
        case .biased(let offset): (false, offset)
        case .cosine: (true, 0)
        }
        return withUnsafeTemporaryAllocation(of: SIMD4<UInt32>.self, capacity: max(1, pairs)) { query in
            let step = quantize(x, into: query.baseAddress!)
            var squares: Float = 0, l1: Float = 0
            for f in 0 ..< factors {
                squares += x[f] * x[f]
                l1 += x[f].magnitude
            }
            let length = squares.squareRoot()
            // With q~ = q + e (|e_f| <= max_f |q_f| / 32767 / 2) and x~ step = x + d (|d_f| <= step / 2):
            // |q~ . x~ step - q . x| <= sum |q| step / 2 + max |q| / 32767 (|x|_1 + pairs step) / 2,
            // plus the rounding of the integer sum (< 2^31) to Float, 2^6 units; per unit length of
            // q_i for cosine scores. Then the float error of the two differently ordered sums, far
            // below the 1e-4 relative slack added.
            let (l1Bound, infBound) = cosine ? (maxL1Ratio, maxInfRatio) : (maxL1, maxInf)
            let quantization = 0.51 * step * l1Bound + infBound / Self.unit * (0.51 * l1 + (Float(pairs) + 128) * step)
            let slack = quantization * (1 + 1e-3) + 1e-4 * (cosine ? 1 : maxNorm) * length + 1e-4 * (offset.magnitude + maxBias + 1)
            var search = CandidateSearch(capacity: count, margin: 2 * slack)
            let width = Self.width, pairs = pairs, panels = (items + width - 1) / width
            // The panel bound, widened for the float error of computing it.
            let bound = length * (1 + 1e-5)
            let reach = slack + 1e-5 * (offset.magnitude + maxBias + 1)
            let skip = exclude.compactMap { Int($0) < items ? position[Int($0)] : nil }.sorted()
            values.withUnsafeBufferPointer { v in
                (cosine ? cosineScale : dotScale).withUnsafeBufferPointer { scale in
                    bias.withUnsafeBufferPointer { bias in
                        skip.withUnsafeBufferPointer { skip in
                            var s = 0
                            let words = allowed?.words
                            let base = Quarter(repeating: cosine ? 0 : offset), unit = Quarter(repeating: step)
                            for p in 0 ..< panels {
                                if !cosine {
                                    if offset + panelBias[p] + tailNorm[p] * bound + reach < search.cutoff { break }
                                    if offset + panelBias[p] + panelNorm[p] * bound + reach < search.cutoff { continue }
                                }
                                var bits = words?[p] ?? ItemMask.validBits(panel: p, items: items)
                                let end = Int32(truncatingIfNeeded: (p + 1) * width)
                                while s < skip.count && skip[s] < end {
                                    if Int(skip[s]) >= p * width { bits &= ~(1 << UInt16(Int(skip[s]) - p * width)) }
                                    s += 1
                                }
                                guard bits != 0 else { continue }
                                let dots = Self.panelDots(query.baseAddress!, v.baseAddress! + p * pairs * width * 2, pairs: pairs)
                                let first = p * width
                                let scales = UnsafeRawPointer(scale.baseAddress! + first), biases = UnsafeRawPointer(bias.baseAddress! + first)
                                var scores = [4 of Quarter](repeating: Quarter())
                                for q in 0 ..< 4 {
                                    let perItem = scales.loadUnaligned(fromByteOffset: 16 * q, as: Quarter.self)
                                    var quarter = Quarter(dots[q]) * (perItem * unit)
                                    if !cosine { quarter += base + biases.loadUnaligned(fromByteOffset: 16 * q, as: Quarter.self) }
                                    scores[q] = quarter
                                }
                                if bits == 0xFFFF,
                                   Self.bound(Self.pairwiseMax(Self.pairwiseMax(scores[0], scores[1]), Self.pairwiseMax(scores[2], scores[3]))) < search.cutoff {
                                    continue
                                }
                                let all = SIMD16(lowHalf: SIMD8(lowHalf: scores[0], highHalf: scores[1]), highHalf: SIMD8(lowHalf: scores[2], highHalf: scores[3]))
                                search.offer(all, bits: bits, first: first)
                            }
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
    }

    /// The integer dot products of one panel's 16 items with the quantized query `pairs`: for
    /// each pair of factors, 16-bit products summed in pairs into 32-bit lanes (a single
    /// `pmaddwd` per 4 items on x86-64), accumulated exactly.
    @inline(__always)
    static func panelDots(_ query: UnsafePointer<SIMD4<UInt32>>, _ panel: UnsafePointer<Int16>, pairs: Int) -> [4 of SIMD4<Int32>] {
        let raw = UnsafeRawPointer(panel)
        var a0 = SIMD4<Int32>(), a1 = SIMD4<Int32>(), a2 = SIMD4<Int32>(), a3 = SIMD4<Int32>()
        for j in 0 ..< pairs {
            let x = SIMD8<Int32>(truncatingIfNeeded: unsafeBitCast(query[j], to: SIMD8<Int16>.self))
            a0 &+= Self.pairSums(raw.loadUnaligned(fromByteOffset: j * 64, as: SIMD8<Int16>.self), x)
            a1 &+= Self.pairSums(raw.loadUnaligned(fromByteOffset: j * 64 + 16, as: SIMD8<Int16>.self), x)
            a2 &+= Self.pairSums(raw.loadUnaligned(fromByteOffset: j * 64 + 32, as: SIMD8<Int16>.self), x)
            a3 &+= Self.pairSums(raw.loadUnaligned(fromByteOffset: j * 64 + 48, as: SIMD8<Int16>.self), x)
        }
        return [a0, a1, a2, a3]
    }

    /// Lane l: q_2l x_2l + q_2l+1 x_2l+1, the shape LLVM turns into one `pmaddwd`.
    @inline(__always)
    static func pairSums(_ q: SIMD8<Int16>, _ x: SIMD8<Int32>) -> SIMD4<Int32> {
        let products = SIMD8<Int32>(truncatingIfNeeded: q) &* x
        return products.evenHalf &+ products.oddHalf
    }

    /// A number no smaller than the largest of 4 scores, from pairwise maxima written as
    /// (a + b + |a - b|) / 2 (plain vector arithmetic: Swift's SIMD reductions and masks compile
    /// lane by lane here), widened by far more than the few ulps that formula can lose.
    @inline(__always)
    static func bound(_ v: Quarter) -> Float {
        let m2 = pairwiseMax(v, Quarter(v.z, v.w, v.x, v.y))
        let m = max(m2.x, m2.y)
        return m + (m.magnitude + 1) * 2e-5
    }

    /// Lane-wise (a + b + |a - b|) / 2: max(a, b) up to a few ulps.
    @inline(__always)
    static func pairwiseMax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        let magnitude = unsafeBitCast(unsafeBitCast(a - b, to: SIMD4<UInt32>.self) & SIMD4(repeating: 0x7FFF_FFFF), to: SIMD4<Float>.self)
        return (a + b + magnitude) * 0.5
    }
}
