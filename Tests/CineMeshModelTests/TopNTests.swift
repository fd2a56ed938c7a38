@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct TopNTests {
    @Test func matchesABruteForceSortWithExclusions() {
        var rng = SeededRandom(seed: 13)
        for trial in 0 ..< 30 {
            let users = 5, items = 1 + rng.below(200), k = 1 + rng.below(20)
            var model = BiasedFactorModel(globalMean: 3, users: .normal(rows: users, factors: k, mean: 0, std: 1, seed: UInt64(trial), salt: 1),
                                          items: .normal(rows: items, factors: k, mean: 0, std: 1, seed: UInt64(trial), salt: 2))
            for i in 0 ..< items { model.itemBias[i] = Float(rng.below(3)) * 0.5 }   // ties in bias
            if trial % 5 == 0 { model.items = FactorMatrix(rows: items, factors: k) }  // all-tie scores
            let u = rng.below(users)
            let exclude = (0 ..< items).filter { _ in rng.below(4) == 0 }.map { UInt32($0) }
            let n = rng.below(items + 3) - 1
            let got = TopN.recommend(model: model, user: u, n: n, exclude: exclude)
            let skip = Set(exclude.map(Int.init))
            var candidates: [(item: Int, score: Float)] = []
            for i in 0 ..< items where !skip.contains(i) { candidates.append((i, model.score(user: u, item: i))) }
            candidates.sort { a, b in a.score != b.score ? a.score > b.score : a.item < b.item }
            let expected = Array(candidates.prefix(max(0, n)))
            let gotItems: [Int] = got.map { $0.item }, expectedItems: [Int] = expected.map { $0.item }
            #expect(gotItems == expectedItems, "trial \(trial)")
        }
    }
}
