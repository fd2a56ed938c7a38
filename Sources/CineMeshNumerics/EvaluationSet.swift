import CineMeshData
import CineMeshModel

/// Held-out ratings to score a model on, in the training dataset's dense ids. Ratings of users or
/// items the training data never saw are kept (index -1) and predicted from what the model knows,
/// as Surprise does: mean, plus b_u if the user is known, plus b_i if the item is known, plus
/// q_i . p_u if both are; then clipped to the scale.
public struct EvaluationSet: Sendable {
    public var users: [Int32] = []
    public var items: [Int32] = []
    public var ratings: [Float] = []

    public init() {}

    /// All ratings of held-out blocks that share the training dataset's ids, ordered by user.
    public init(blocks: [RatingBlock]) {
        for b in blocks {
            users += b.users.map { Int32($0) }
            items += b.items.map { Int32($0) }
            ratings += b.ratings
        }
        sortByUser()
    }

    /// The ratings of another dataset (e.g. the test file of a predefined split), mapped through
    /// the training dataset's id maps, ordered by user (unknown users first).
    public init(dataset: Dataset, trainUsers: IdMap, trainItems: IdMap) throws {
        for b in try dataset.allBlocks(includeTimestamps: false) {
            for k in 0 ..< b.count {
                users.append(trainUsers.index(of: dataset.users.ids[Int(b.users[k])]).map { Int32($0) } ?? -1)
                items.append(trainItems.index(of: dataset.items.ids[Int(b.items[k])]).map { Int32($0) } ?? -1)
                ratings.append(b.ratings[k])
            }
        }
        sortByUser()
    }

    /// Orders the ratings by (user, item): a user's row is then read once for all the user's
    /// ratings instead of once per rating (scoring is memory-bound), and each grid row's users
    /// are one contiguous range (`range(users:)`).
    public mutating func sortByUser() {
        // Keys (user + 1, item + 1) in 64 bits, ties kept in their order: unknown users (-1) first.
        let (u, i, r) = (users, items, ratings)
        var keyed = (0 ..< u.count).map { k in (key: UInt64(UInt32(bitPattern: u[k] &+ 1)) << 32 | UInt64(UInt32(bitPattern: i[k] &+ 1)), at: k) }
        keyed.sort { ($0.key, $0.at) < ($1.key, $1.at) }
        users = keyed.map { u[$0.at] }
        items = keyed.map { i[$0.at] }
        ratings = keyed.map { r[$0.at] }
    }

    /// The indices of the ratings whose user lies in `range` (the set must be ordered by user).
    public func range(users range: Range<Int32>) -> Range<Int> {
        func first(atLeast user: Int32) -> Int {
            var (lo, hi) = (0, users.count)
            while lo < hi {
                let mid = (lo + hi) / 2
                if users[mid] < user { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        return first(atLeast: range.lowerBound) ..< first(atLeast: range.upperBound)
    }

    public var count: Int { ratings.count }

    /// Ratings whose user or item the model does not know.
    public var unknownCount: Int { zip(users, items).filter { $0 < 0 || $1 < 0 }.count }

    /// The model's prediction for every rating, clipped to the scale: exactly `model.score`'s
    /// number for a known user and item (`HeldOutScorer`).
    public func predictions(of model: BiasedFactorModel, scale: RatingScale) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            withColumns { u, i, _ in model.withScorer(scale: scale) { $0.forEach(users: u, items: i) { k, p in o[k] = p } } }
        }
        return out
    }

    /// The errors of `model` on these ratings: their sums do not depend on the ratings' order or
    /// on how the set is split and merged (`ErrorSum`).
    public func errorSum(of model: BiasedFactorModel, scale: RatingScale) -> ErrorSum {
        withColumns { u, i, r in model.withScorer(scale: scale) { $0.errors(users: u, items: i, ratings: r) } }
    }

    /// RMSE and MAE of `model` on these ratings.
    public func errors(of model: BiasedFactorModel, scale: RatingScale) -> PredictionErrors {
        errorSum(of: model, scale: scale).errors
    }

    private func withColumns<R>(_ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> R) -> R {
        users.withUnsafeBufferPointer { u in items.withUnsafeBufferPointer { i in ratings.withUnsafeBufferPointer { r in body(u, i, r) } } }
    }
}
