import CineMeshData
import CineMeshModel

/// The learning rates and regularizations of one SGD epoch.
public struct SGDSteps: Sendable, Equatable {
    public var lrBias: Float
    public var lrFactors: Float
    public var regBias: Float
    public var regFactors: Float
    public var biased: Bool

    public init(_ p: SVDParameters, epoch: Int) {
        var decay: Float = 1
        for _ in 0 ..< epoch { decay *= p.learningRateDecay }
        lrBias = p.lrBias * decay
        lrFactors = p.lrFactors * decay
        regBias = p.regBias
        regFactors = p.regFactors
        biased = p.biased
    }
}

/// One SGD sweep over the ratings of one grid block, Surprise's update rule, in the block's stored
/// (user, item) order:
///
///     err = r - (mean + b_u + b_i + q_i . p_u)
///     b_u += lrBias (err - regBias b_u);  b_i += lrBias (err - regBias b_i)
///     p_u += lrFactors (err q_i - regFactors p_u);  q_i += lrFactors (err p_u - regFactors q_i)
///
/// It sees only the factor rows and biases of the block's users and items, addressed from the
/// start of its ranges, so the same code runs in one process or on a worker holding just those
/// rows. Returns the sum of squared errors before each update (the epoch's training loss).
public enum SGDBlockKernel {
    /// The rows a sweep reads and writes: user `u`'s row is at `userRows + (u - userBase) * stride`.
    public struct Rows {
        public var userRows: UnsafeMutablePointer<Float>
        public var itemRows: UnsafeMutablePointer<Float>
        public var userBias: UnsafeMutablePointer<Float>
        public var itemBias: UnsafeMutablePointer<Float>
        public var userBase: Int
        public var itemBase: Int
        public var stride: Int

        public init(userRows: UnsafeMutablePointer<Float>, itemRows: UnsafeMutablePointer<Float>, userBias: UnsafeMutablePointer<Float>,
                    itemBias: UnsafeMutablePointer<Float>, userBase: Int, itemBase: Int, stride: Int) {
            self.userRows = userRows
            self.itemRows = itemRows
            self.userBias = userBias
            self.itemBias = itemBias
            self.userBase = userBase
            self.itemBase = itemBase
            self.stride = stride
        }
    }

    public static func sweep(_ block: RatingBlock, rows: Rows, mean: Float, steps: SGDSteps) -> Double {
        var squared = 0.0
        let s = rows.stride
        block.users.withUnsafeBufferPointer { us in
            block.items.withUnsafeBufferPointer { its in
                block.ratings.withUnsafeBufferPointer { rs in
                    for k in 0 ..< rs.count {
                        let u = Int(us[k]) - rows.userBase, i = Int(its[k]) - rows.itemBase
                        let p = rows.userRows + u * s, q = rows.itemRows + i * s
                        let bu = rows.userBias[u], bi = rows.itemBias[i]
                        let err = rs[k] - (mean + bu + bi + Kernels.dot(p, q, stride: s))
                        squared += Double(err * err)
                        if steps.biased {
                            rows.userBias[u] = bu + steps.lrBias * (err - steps.regBias * bu)
                            rows.itemBias[i] = bi + steps.lrBias * (err - steps.regBias * bi)
                        }
                        Kernels.sgdStep(p, q, stride: s, err: err, lrP: steps.lrFactors, regP: steps.regFactors,
                                        lrQ: steps.lrFactors, regQ: steps.regFactors)
                    }
                }
            }
        }
        return squared
    }
}

extension BiasedFactorModel {
    /// Runs the SGD kernel on one block against this whole in-memory model.
    public mutating func sgdSweep(_ block: RatingBlock, steps: SGDSteps) -> Double {
        let mean = globalMean
        let stride = users.stride
        return users.values.withUnsafeMutableBufferPointer { p in
            items.values.withUnsafeMutableBufferPointer { q in
                userBias.withUnsafeMutableBufferPointer { bu in
                    itemBias.withUnsafeMutableBufferPointer { bi in
                        let rows = SGDBlockKernel.Rows(userRows: p.baseAddress!, itemRows: q.baseAddress!,
                                                       userBias: bu.baseAddress!, itemBias: bi.baseAddress!, userBase: 0, itemBase: 0, stride: stride)
                        return SGDBlockKernel.sweep(block, rows: rows, mean: mean, steps: steps)
                    }
                }
            }
        }
    }
}
