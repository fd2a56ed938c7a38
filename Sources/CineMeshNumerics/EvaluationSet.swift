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

    /// The model's prediction for every rating, clipped to the scale.
    public func predictions(of model: BiasedFactorModel, scale: RatingScale) -> [Float] {
        (0 ..< count).map { k in
            let u = Int(users[k]), i = Int(items[k])
            let estimate = u >= 0 && i >= 0 ? model.score(user: u, item: i)
                : model.globalMean + (u >= 0 ? model.userBias[u] : 0) + (i >= 0 ? model.itemBias[i] : 0)
            return min(Float(scale.max), max(Float(scale.min), estimate))
        }
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
