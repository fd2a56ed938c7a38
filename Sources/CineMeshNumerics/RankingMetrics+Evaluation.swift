import CineMeshData
import CineMeshModel

extension RankingMetrics {
    /// Top-k quality of `model` on held-out ratings: each evaluated user's list is `TopN` over the
    /// whole catalog with their training items left out; relevant items are the user's held-out
    /// ratings at or above `threshold` (on items the model knows). At most `maxUsers` users with
    /// relevant items are evaluated, the lowest indices first, so large datasets stay quick.
    public init(model: BiasedFactorModel, train: [RatingBlock], test: EvaluationSet, threshold: Float, k: Int, maxUsers: Int) {
        self.init(users: model.users.rows, items: model.items.rows, train: train, test: test, threshold: threshold, k: k, maxUsers: maxUsers) { u, seen in
            TopN.recommend(model: model, user: u, n: k, exclude: seen).map(\.item)
        }
    }

    /// The same for any recommender: `recommend(user, seen)` gives the user's top k with the
    /// ascending `seen` (their training items) left out.
    public init(users: Int, items: Int, train: [RatingBlock], test: EvaluationSet, threshold: Float, k: Int, maxUsers: Int,
                recommend: (Int, ArraySlice<UInt32>) -> [Int]) {
        let seen = RatingsByRow(train, rows: users, byUser: true)
        var relevant = [[Int]](repeating: [], count: users)
        for j in 0 ..< test.count where test.users[j] >= 0 && test.items[j] >= 0 && test.ratings[j] >= threshold {
            relevant[Int(test.users[j])].append(Int(test.items[j]))
        }
        let chosen = (0 ..< users).filter { !relevant[$0].isEmpty }.prefix(maxUsers)
        let lists = chosen.map { u in recommend(u, seen.others[seen.offsets[u] ..< seen.offsets[u + 1]]) }
        self.init(recommendations: lists, relevant: chosen.map { relevant[$0] }, k: k, catalogSize: items)
    }
}
