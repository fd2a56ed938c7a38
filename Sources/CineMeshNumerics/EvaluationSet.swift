import CineMeshData

/// Held-out ratings to score a model on, in the training dataset's dense ids. Ratings of users or
/// items the training data never saw are kept (index -1) and predicted from what the model knows,
/// as Surprise does: mean, plus b_u if the user is known, plus b_i if the item is known, plus
/// q_i . p_u if both are; then clipped to the scale.
public struct EvaluationSet: Sendable {
    public var users: [Int32] = []
    public var items: [Int32] = []
    public var ratings: [Float] = []

    public init() {}

    /// All ratings of held-out blocks that share the training dataset's ids.
    public init(blocks: [RatingBlock]) {
        for b in blocks {
            users += b.users.map { Int32($0) }
            items += b.items.map { Int32($0) }
            ratings += b.ratings
        }
    }

    /// The ratings of another dataset (e.g. the test file of a predefined split), mapped through
    /// the training dataset's id maps.
    public init(dataset: Dataset, trainUsers: IdMap, trainItems: IdMap) throws {
        for b in try dataset.allBlocks(includeTimestamps: false) {
            for k in 0 ..< b.count {
                users.append(trainUsers.index(of: dataset.users.ids[Int(b.users[k])]).map { Int32($0) } ?? -1)
                items.append(trainItems.index(of: dataset.items.ids[Int(b.items[k])]).map { Int32($0) } ?? -1)
                ratings.append(b.ratings[k])
            }
        }
    }

    public var count: Int { ratings.count }

    /// Ratings whose user or item the model does not know.
    public var unknownCount: Int { zip(users, items).filter { $0 < 0 || $1 < 0 }.count }

    /// The model's prediction for every rating, clipped to the scale: exactly `model.score`'s
    /// number for a known user and item, computed four ratings at a time (`Kernels.dot4`).
    public func predictions(of model: BiasedFactorModel, scale: RatingScale) -> [Float] {
        let low = Float(scale.min), high = Float(scale.max), s = model.users.stride
        func fallback(_ k: Int) -> Float {
            let u = Int(users[k]), i = Int(items[k])
            let estimate = u >= 0 && i >= 0 ? model.score(user: u, item: i)
                : model.globalMean + (u >= 0 ? model.userBias[u] : 0) + (i >= 0 ? model.itemBias[i] : 0)
            return min(high, max(low, estimate))
        }
        var out = [Float](repeating: 0, count: count)
        model.users.values.withUnsafeBufferPointer { p in
            model.items.values.withUnsafeBufferPointer { q in
                let userBase = UInt(bitPattern: p.baseAddress), itemBase = UInt(bitPattern: q.baseAddress), row = UInt(s * 4)
                var k = 0
                while k + 4 <= count {
                    let u = SIMD4<Int32>(users[k], users[k + 1], users[k + 2], users[k + 3])
                    let i = SIMD4<Int32>(items[k], items[k + 1], items[k + 2], items[k + 3])
                    guard s > 0, u.min() >= 0, i.min() >= 0 else {
                        for j in k ..< k + 4 { out[j] = fallback(j) }
                        k += 4
                        continue
                    }
                    let dots = Kernels.dot4(SIMD4(repeating: userBase) &+ SIMD4<UInt>(truncatingIfNeeded: u) &* row,
                                            SIMD4(repeating: itemBase) &+ SIMD4<UInt>(truncatingIfNeeded: i) &* row, stride: s)
                    for j in 0 ..< 4 {
                        let estimate = model.globalMean + model.userBias[Int(u[j])] + model.itemBias[Int(i[j])] + dots[j]
                        out[k + j] = min(high, max(low, estimate))
                    }
                    k += 4
                }
                for j in k ..< count { out[j] = fallback(j) }
            }
        }
        return out
    }

    /// RMSE and MAE of `model` on these ratings.
    public func errors(of model: BiasedFactorModel, scale: RatingScale) -> PredictionErrors {
        var se = 0.0, ae = 0.0
        for (k, estimate) in predictions(of: model, scale: scale).enumerated() {
            let e = Double(ratings[k] - estimate)
            se += e * e
            ae += abs(e)
        }
        return PredictionErrors(count: count, rmse: count > 0 ? (se / Double(count)).squareRoot() : 0, mae: count > 0 ? ae / Double(count) : 0)
    }
}
