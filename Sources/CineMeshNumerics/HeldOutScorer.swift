import CPrefetch
import CineMeshData
import CineMeshModel

/// Predictions for held-out ratings straight from factor rows in memory: a whole model's, or on a
/// worker the user rows of its grid rows (`userBase` is the first user they hold) with every item
/// row. Each prediction is exactly the number `BiasedFactorModel.score` gives, clipped to the
/// scale: mean + b_u + b_i + q_i . p_u, where a user or item the model does not know (index -1)
/// leaves out its bias and the dot product. Known pairs are scored four at a time
/// (`Kernels.dot4`), so four rows are fetched from memory at once.
///
/// The caller guarantees every index is -1 or in range: `userBase ..< userBase + userCount` for
/// users, `0 ..< itemCount` for items.
public struct HeldOutScorer {
    public var userRows: UnsafePointer<Float>
    public var userBias: UnsafePointer<Float>
    public var userBase: Int
    public var itemRows: UnsafePointer<Float>
    public var itemBias: UnsafePointer<Float>
    public var stride: Int
    public var mean: Float
    public var low: Float
    public var high: Float

    public init(userRows: UnsafePointer<Float>, userBias: UnsafePointer<Float>, userBase: Int, itemRows: UnsafePointer<Float>,
                itemBias: UnsafePointer<Float>, stride: Int, mean: Float, scale: RatingScale) {
        self.userRows = userRows
        self.userBias = userBias
        self.userBase = userBase
        self.itemRows = itemRows
        self.itemBias = itemBias
        self.stride = stride
        self.mean = mean
        low = Float(scale.min)
        high = Float(scale.max)
    }

    /// The errors (rating minus prediction) of the ratings, summed independently of order.
    public func errors(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>, ratings: UnsafeBufferPointer<Float>) -> ErrorSum {
        precondition(users.count == items.count && items.count == ratings.count, "held-out columns of different lengths")
        var sum = ErrorSum()
        forEach(users: users, items: items) { k, prediction in sum.add(ratings[k] - prediction) }
        return sum
    }

    /// Calls `body(k, prediction)` for each rating k, in order.
    @inline(__always)
    public func forEach(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>, _ body: (Int, Float) -> Void) {
        let count = users.count
        let userAddress = UInt(bitPattern: userRows) &- UInt(userBase * stride * 4), itemAddress = UInt(bitPattern: itemRows)
        let row = UInt(stride * 4)
        var k = 0
        while k + 4 <= count {
            // Item rows are fetched from anywhere in the matrix: ask for those of the ratings a
            // few steps ahead now, so their loads overlap this step's work.
            if k + Self.lookahead + 4 <= count {
                for j in k + Self.lookahead ..< k + Self.lookahead + 4 where items[j] >= 0 {
                    cinemesh_prefetch(UnsafeRawPointer(bitPattern: itemAddress &+ UInt(items[j]) &* row), stride * 4)
                }
            }
            let u = SIMD4<Int32>(users[k], users[k + 1], users[k + 2], users[k + 3])
            let i = SIMD4<Int32>(items[k], items[k + 1], items[k + 2], items[k + 3])
            guard stride > 0, u.min() >= 0, i.min() >= 0 else {
                for j in k ..< k + 4 { body(j, single(Int(users[j]), Int(items[j]))) }
                k += 4
                continue
            }
            let dots = Kernels.dot4(SIMD4(repeating: userAddress) &+ SIMD4<UInt>(truncatingIfNeeded: u) &* row,
                                    SIMD4(repeating: itemAddress) &+ SIMD4<UInt>(truncatingIfNeeded: i) &* row, stride: stride)
            for j in 0 ..< 4 {
                let estimate = mean + userBias[Int(u[j]) - userBase] + itemBias[Int(i[j])] + dots[j]
                body(k + j, min(high, max(low, estimate)))
            }
            k += 4
        }
        while k < count {
            body(k, single(Int(users[k]), Int(items[k])))
            k += 1
        }
    }

    /// Ratings ahead whose item rows are prefetched.
    static let lookahead = 12

    /// One prediction, the way `BiasedFactorModel.score` computes it.
    @inline(__always)
    private func single(_ u: Int, _ i: Int) -> Float {
        let estimate: Float
        if u >= 0 && i >= 0 {
            estimate = mean + userBias[u - userBase] + itemBias[i] + Kernels.dot(userRows + (u - userBase) * stride, itemRows + i * stride, stride: stride)
        } else {
            estimate = mean + (u >= 0 ? userBias[u - userBase] : 0) + (i >= 0 ? itemBias[i] : 0)
        }
        return min(high, max(low, estimate))
    }
}

extension BiasedFactorModel {
    /// Runs `body` with a scorer over this whole model.
    public func withScorer<R>(scale: RatingScale, _ body: (HeldOutScorer) -> R) -> R {
        // An empty side has no storage; its pointer is then never read.
        func base(_ b: UnsafeBufferPointer<Float>) -> UnsafePointer<Float> { b.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)! }
        return users.values.withUnsafeBufferPointer { p in
            items.values.withUnsafeBufferPointer { q in
                userBias.withUnsafeBufferPointer { bu in
                    itemBias.withUnsafeBufferPointer { bi in
                        body(HeldOutScorer(userRows: base(p), userBias: base(bu), userBase: 0, itemRows: base(q), itemBias: base(bi),
                                           stride: users.stride, mean: globalMean, scale: scale))
                    }
                }
            }
        }
    }
}
