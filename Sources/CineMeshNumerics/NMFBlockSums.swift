import CineMeshData
import CineMeshModel

/// One block's share of an NMF epoch: for each user of the block's user range and each factor f,
/// the sums over the block's ratings of q_i[f] * r (numerator) and q_i[f] * est (denominator),
/// and the same per item with p_u. Rows of sums are `stride` doubles, like the factor rows they
/// belong to (the padding sums stay zero). Sums start at zero per block and are added up over
/// blocks in block order (`add`), so an epoch's totals are the same bits however blocks are
/// spread over workers.
public struct NMFBlockSums: Sendable, Equatable {
    public let stride: Int
    public let userRange: Range<UInt32>
    public let itemRange: Range<UInt32>
    /// `userRange.count * stride` values, user-major.
    public var userNumerator: [Double]
    public var userDenominator: [Double]
    /// `itemRange.count * stride` values, item-major.
    public var itemNumerator: [Double]
    public var itemDenominator: [Double]
    /// Squared errors of the estimates the sums used (the model the epoch started from).
    public var squaredError = 0.0

    /// Zero sums over the given ranges; `stride` is the factor rows' (a multiple of 8).
    public init(stride: Int, userRange: Range<UInt32>, itemRange: Range<UInt32>) {
        precondition(stride % FactorMatrix.strideMultiple == 0)
        self.stride = stride
        self.userRange = userRange
        self.itemRange = itemRange
        userNumerator = [Double](repeating: 0, count: userRange.count * stride)
        userDenominator = userNumerator
        itemNumerator = [Double](repeating: 0, count: itemRange.count * stride)
        itemDenominator = itemNumerator
    }

    /// Sums read back from their four arrays; nil when a size does not fit the ranges.
    public init?(stride: Int, userRange: Range<UInt32>, itemRange: Range<UInt32>, userNumerator: [Double], userDenominator: [Double],
                 itemNumerator: [Double], itemDenominator: [Double], squaredError: Double) {
        guard stride % FactorMatrix.strideMultiple == 0, userNumerator.count == userRange.count * stride,
              userDenominator.count == userNumerator.count, itemNumerator.count == itemRange.count * stride,
              itemDenominator.count == itemNumerator.count else { return nil }
        self.stride = stride
        self.userRange = userRange
        self.itemRange = itemRange
        self.userNumerator = userNumerator
        self.userDenominator = userDenominator
        self.itemNumerator = itemNumerator
        self.itemDenominator = itemDenominator
        self.squaredError = squaredError
    }

    /// Adds `block`'s ratings. `userRows` points at the factor row of `userRange.lowerBound`,
    /// `itemRows` at that of `itemRange.lowerBound`, rows `stride` floats apart with zero
    /// padding; the block's users and items must lie in the ranges. Unbiased, est = p_u . q_i.
    /// With `biases`, est = mean + b_u + b_i + p_u . q_i and the biases take Surprise's SGD step
    /// rating by rating, after est is taken. Works in `SIMD8<Double>` steps over the rows.
    public mutating func accumulate(_ block: RatingBlock, userRows: UnsafePointer<Float>, itemRows: UnsafePointer<Float>,
                                    biases: NMFBiasStep? = nil) {
        let stride = stride, userBase = Int(userRange.lowerBound), itemBase = Int(itemRange.lowerBound)
        @inline(__always) func wide(_ p: UnsafePointer<Float>) -> SIMD8<Double> { SIMD8<Double>(Kernels.load(p)) }
        @inline(__always) func add(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
            let raw = UnsafeMutableRawPointer(p)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Double>.self) + v, as: SIMD8<Double>.self)
        }
        var se = squaredError
        block.users.withUnsafeBufferPointer { us in
            block.items.withUnsafeBufferPointer { its in
                block.ratings.withUnsafeBufferPointer { rs in
                    userNumerator.withUnsafeMutableBufferPointer { un in
                        userDenominator.withUnsafeMutableBufferPointer { ud in
                            itemNumerator.withUnsafeMutableBufferPointer { inum in
                                itemDenominator.withUnsafeMutableBufferPointer { id in
                                    for e in 0 ..< rs.count {
                                        let u = (Int(us[e]) - userBase) * stride, i = (Int(its[e]) - itemBase) * stride
                                        let p = userRows + u, q = itemRows + i
                                        var acc = SIMD8<Double>()
                                        var f = 0
                                        while f < stride {
                                            acc += wide(p + f) * wide(q + f)
                                            f += 8
                                        }
                                        let dot = acc.sum(), r = Double(rs[e])
                                        var est = dot
                                        if let b = biases { est = b.step(user: Int(us[e]), item: Int(its[e]), dot: dot, rating: r) }
                                        se += (r - est) * (r - est)
                                        let rv = SIMD8<Double>(repeating: r), ev = SIMD8<Double>(repeating: est)
                                        f = 0
                                        while f < stride {
                                            let qf = wide(q + f), pf = wide(p + f)
                                            add(qf * rv, un.baseAddress! + u + f)
                                            add(qf * ev, ud.baseAddress! + u + f)
                                            add(pf * rv, inum.baseAddress! + i + f)
                                            add(pf * ev, id.baseAddress! + i + f)
                                            f += 8
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        squaredError = se
    }

    /// Adds this block's sums into whole-side totals (`users * stride` and `items * stride`
    /// values, indexed by global index): callers add blocks in (row, column) order.
    public func add(userNumerator un: inout [Double], userDenominator ud: inout [Double], itemNumerator inum: inout [Double],
                    itemDenominator id: inout [Double]) {
        let uo = Int(userRange.lowerBound) * stride, io = Int(itemRange.lowerBound) * stride
        for x in 0 ..< userNumerator.count {
            un[uo + x] += userNumerator[x]
            ud[uo + x] += userDenominator[x]
        }
        for x in 0 ..< itemNumerator.count {
            inum[io + x] += itemNumerator[x]
            id[io + x] += itemDenominator[x]
        }
    }
}

/// The biased form's per-rating SGD step on b_u and b_i (Surprise's `NMF(biased=True)`), over a
/// whole model's biases indexed globally. Only one process runs it: the step is sequential.
public struct NMFBiasStep {
    public var mean: Double
    public var userBias: UnsafeMutablePointer<Float>
    public var itemBias: UnsafeMutablePointer<Float>
    public var parameters: NMFParameters

    public init(mean: Double, userBias: UnsafeMutablePointer<Float>, itemBias: UnsafeMutablePointer<Float>, parameters: NMFParameters) {
        self.mean = mean
        self.userBias = userBias
        self.itemBias = itemBias
        self.parameters = parameters
    }

    /// The estimate mean + b_u + b_i + dot before the step, after which both biases move.
    @inline(__always)
    func step(user u: Int, item i: Int, dot: Double, rating r: Double) -> Double {
        let bu = Double(userBias[u]), bi = Double(itemBias[i])
        let est = mean + bu + bi + dot
        let err = r - est
        userBias[u] = Float(bu + parameters.lrUserBias * (err - parameters.regUserBias * bu))
        itemBias[i] = Float(bi + parameters.lrItemBias * (err - parameters.regItemBias * bi))
        return est
    }
}
