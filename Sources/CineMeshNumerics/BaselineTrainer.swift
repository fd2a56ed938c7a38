import CineMeshData
import CineMeshModel

/// Global mean plus regularized user and item biases, fitted by alternating least squares exactly
/// as Surprise's `BaselineOnly` with its defaults (`method: als`, 10 epochs, reg_u 15, reg_i 10):
///
///     b_i = sum over u rating i of (r - mean - b_u) / (reg_i + |U_i|)
///     b_u = sum over i rated by u of (r - mean - b_i) / (reg_u + |I_u|)
///
/// Each half-step is a sum over blocks followed by a division, so it merges across workers.
public struct BaselineTrainer: Sendable, Codable, Equatable {
    public var epochs = 10
    public var regUser: Float = 15
    public var regItem: Float = 10

    public init() {}

    public func fit(_ blocks: [RatingBlock], users: Int, items: Int) -> BiasedFactorModel {
        let mean = Self.mean(blocks)
        var model = BiasedFactorModel(globalMean: mean, users: FactorMatrix(rows: users, factors: 0), items: FactorMatrix(rows: items, factors: 0))
        for _ in 0 ..< epochs {
            model.itemBias = Self.halfStep(blocks, range: 0 ..< UInt32(items), users: false, bias: model.userBias, mean: mean, reg: regItem)
            model.userBias = Self.halfStep(blocks, range: 0 ..< UInt32(users), users: true, bias: model.itemBias, mean: mean, reg: regUser)
        }
        return model
    }

    /// The mean rating, summed rating by rating in block order (Surprise's global mean).
    public static func mean(_ blocks: [RatingBlock]) -> Float {
        var total = 0.0, n = 0
        for b in blocks {
            for r in b.ratings { total += Double(r) }
            n += b.count
        }
        return n > 0 ? Float(total / Double(n)) : 0
    }

    /// One alternation for the indices `range` of one side (users, or items): each index x gets
    /// sum over its ratings of (r - mean - bias[other index]) / (reg + its rating count). `blocks`
    /// must hold every rating of the range, in block order (a grid row's blocks in column order,
    /// or a column's in row order, give the same sums as the whole grid); returns the range's
    /// biases.
    public static func halfStep(_ blocks: [RatingBlock], range: Range<UInt32>, users: Bool, bias: [Float], mean: Float, reg: Float) -> [Float] {
        let base = Int(range.lowerBound)
        var sums = [Double](repeating: 0, count: range.count)
        var counts = [Int](repeating: 0, count: range.count)
        for b in blocks {
            let xs = users ? b.users : b.items, ys = users ? b.items : b.users
            for k in 0 ..< b.count {
                let x = Int(xs[k]) - base
                sums[x] += Double(b.ratings[k] - mean - bias[Int(ys[k])])
                counts[x] += 1
            }
        }
        return (0 ..< range.count).map { Float(sums[$0] / (Double(reg) + Double(counts[$0]))) }
    }
}
