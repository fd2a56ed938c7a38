import CineMeshData

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
        var total = 0.0, n = 0
        for b in blocks {
            for r in b.ratings { total += Double(r) }
            n += b.count
        }
        let mean = n > 0 ? Float(total / Double(n)) : 0
        var model = BiasedFactorModel(globalMean: mean, users: FactorMatrix(rows: users, factors: 0), items: FactorMatrix(rows: items, factors: 0))
        for _ in 0 ..< epochs {
            model.itemBias = Self.halfStep(blocks, solving: \.items, given: \.users, bias: model.userBias, mean: mean, reg: regItem, count: items)
            model.userBias = Self.halfStep(blocks, solving: \.users, given: \.items, bias: model.itemBias, mean: mean, reg: regUser, count: users)
        }
        return model
    }

    /// One alternation: each index x of the `solving` side gets
    /// sum over its ratings of (r - mean - bias[other index]) / (reg + its rating count).
    static func halfStep(_ blocks: [RatingBlock], solving side: KeyPath<RatingBlock, [UInt32]>, given other: KeyPath<RatingBlock, [UInt32]>,
                         bias: [Float], mean: Float, reg: Float, count: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: count)
        var counts = [Int](repeating: 0, count: count)
        for b in blocks {
            let xs = b[keyPath: side], ys = b[keyPath: other]
            for k in 0 ..< b.count {
                let x = Int(xs[k])
                sums[x] += Double(b.ratings[k] - mean - bias[Int(ys[k])])
                counts[x] += 1
            }
        }
        return (0 ..< count).map { Float(sums[$0] / (Double(reg) + Double(counts[$0]))) }
    }
}
