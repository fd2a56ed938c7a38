import CineMeshData
@testable import CineMeshNumerics
import Testing

@Suite struct EvaluationSetTests {
    /// Scoring four ratings at a time must give every rating exactly the number one
    /// `model.score` call gives (then clipped), unknown users and items and a ragged tail included:
    /// the held-out RMSE of a distributed job is compared bit for bit with the one-process one.
    @Test func predictionsAreExactlyOneScoreCallPerRating() {
        var rng = SeededRandom(seed: 77)
        for trial in 0 ..< 20 {
            let k = rng.below(40), users = 1 + rng.below(50), items = 1 + rng.below(50)
            var model = BiasedFactorModel(globalMean: 3.3, users: .normal(rows: users, factors: k, mean: 0, std: 0.5, seed: UInt64(trial), salt: 1),
                                          items: .normal(rows: items, factors: k, mean: 0, std: 0.5, seed: UInt64(trial), salt: 2))
            for u in 0 ..< users { model.userBias[u] = Float(rng.normal()) * 0.3 }
            for i in 0 ..< items { model.itemBias[i] = Float(rng.normal()) * 0.3 }
            var set = EvaluationSet()
            for _ in 0 ..< rng.below(300) {
                set.users.append(rng.below(12) == 0 ? -1 : Int32(rng.below(users)))
                set.items.append(rng.below(12) == 0 ? -1 : Int32(rng.below(items)))
                set.ratings.append(Float(1 + rng.below(5)))
            }
            let scale = RatingScale.oneToFive
            let expected = (0 ..< set.count).map { j -> UInt32 in
                let u = Int(set.users[j]), i = Int(set.items[j])
                let estimate = u >= 0 && i >= 0 ? model.score(user: u, item: i)
                    : model.globalMean + (u >= 0 ? model.userBias[u] : 0) + (i >= 0 ? model.itemBias[i] : 0)
                return min(Float(scale.max), max(Float(scale.min), estimate)).bitPattern
            }
            #expect(set.predictions(of: model, scale: scale).map(\.bitPattern) == expected, "trial \(trial)")
        }
    }
}
