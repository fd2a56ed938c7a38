import CineMeshData

/// Global mean plus regularized user and item biases, fitted by alternating least squares exactly
/// as Surprise's `BaselineOnly` with its defaults (`method: als`, 10 epochs, reg_u 15, reg_i 10):
///
///     b_i = sum over u rating i of (r - mean - b_u) / (reg_i + |U_i|)
///     b_u = sum over i rated by u of (r - mean - b_i) / (reg_u + |I_u|)
///
/// Each half-step is a sum over blocks followed by a division, so it merges across workers.
public struct BaselineTrainer: Sendable {
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
        var sums = [Double](), counts = [Int]()
        for _ in 0 ..< epochs {
            sums = [Double](repeating: 0, count: items)
            counts = [Int](repeating: 0, count: items)
            for b in blocks {
                for k in 0 ..< b.count {
                    let i = Int(b.items[k])
                    sums[i] += Double(b.ratings[k] - mean - model.userBias[Int(b.users[k])])
                    counts[i] += 1
                }
            }
            for i in 0 ..< items { model.itemBias[i] = Float(sums[i] / (Double(regItem) + Double(counts[i]))) }
            sums = [Double](repeating: 0, count: users)
            counts = [Int](repeating: 0, count: users)
            for b in blocks {
                for k in 0 ..< b.count {
                    let u = Int(b.users[k])
                    sums[u] += Double(b.ratings[k] - mean - model.itemBias[Int(b.items[k])])
                    counts[u] += 1
                }
            }
            for u in 0 ..< users { model.userBias[u] = Float(sums[u] / (Double(regUser) + Double(counts[u]))) }
        }
        return model
    }
}
