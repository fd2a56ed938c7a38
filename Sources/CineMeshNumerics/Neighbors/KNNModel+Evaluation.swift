import CineMeshData
import CineMeshModel

extension KNNModel {
    /// The n best items for `user` by estimate, best first (ties: the smaller item index), the
    /// ascending `exclude` (the items the user rated) left out.
    public func recommend<C: Collection>(user: Int, n: Int, exclude: C) -> [(item: Int, score: Float)] where C.Element == UInt32 {
        let scores = scores(user: user)
        let count = min(n, scores.count)
        guard count > 0 else { return [] }
        var heap = BoundedHeap(capacity: count)
        var skip = exclude.makeIterator()
        var nextSkip = skip.next().map(Int.init) ?? Int.max
        for i in scores.indices {
            if i == nextSkip {
                nextSkip = skip.next().map(Int.init) ?? Int.max
                continue
            }
            heap.offer(item: i, score: Float(scores[i]))
        }
        return heap.sorted()
    }
}

extension EvaluationSet {
    /// The neighbourhood model's prediction for every rating, clipped to the scale.
    public func predictions(of model: KNNModel, scale: RatingScale) -> [Float] {
        let (lo, hi) = (scale.min, scale.max)
        return model.predict(users: users, items: items).map { Float(Swift.min(hi, Swift.max(lo, $0))) }
    }

    /// RMSE and MAE of the neighbourhood model on these ratings (predictions clipped).
    public func errors(of model: KNNModel, scale: RatingScale) -> PredictionErrors {
        errors(predictions: predictions(of: model, scale: scale))
    }

    /// RMSE and MAE of `predictions`, one per rating in order.
    public func errors(predictions: [Float]) -> PredictionErrors {
        var sum = ErrorSum()
        for (r, p) in zip(ratings, predictions) { sum.add(r - p) }
        return sum.errors
    }
}

extension RankingMetrics {
    /// Top-k quality of a neighbourhood model on held-out ratings, as `init(model:...)` scores a
    /// factor model: each evaluated user's list leaves out their training items.
    public init(model: KNNModel, train: [RatingBlock], test: EvaluationSet, threshold: Float, k: Int, maxUsers: Int) {
        self.init(users: model.users, items: model.items, train: train, test: test, threshold: threshold, k: k, maxUsers: maxUsers) { u, seen in
            model.recommend(user: u, n: k, exclude: seen).map(\.item)
        }
    }
}
