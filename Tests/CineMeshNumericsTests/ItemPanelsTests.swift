@testable import CineMeshData
@testable import CineMeshNumerics
import Foundation
import Testing

@Suite struct ItemPanelsTests {
    /// A model with small integer factors and half-integer biases: every score is exact in Float
    /// whatever the order of the sum, so the expected ranking (ties included) is unambiguous.
    func exactModel(items: Int, factors k: Int, rng: inout SeededRandom) -> BiasedFactorModel {
        var items = FactorMatrix(rows: items, factors: k)
        for i in 0 ..< items.rows { for f in 0 ..< k { items[i, f] = Float(rng.below(5)) - 2 } }
        var users = FactorMatrix(rows: 3, factors: k)
        for u in 0 ..< 3 { for f in 0 ..< k { users[u, f] = Float(rng.below(5)) - 2 } }
        var model = BiasedFactorModel(globalMean: 3, users: users, items: items)
        for i in 0 ..< items.rows { model.itemBias[i] = Float(rng.below(4)) * 0.5 }
        model.userBias = [0.5, -1, 0]
        return model
    }

    @Test func topNEqualsABruteForceRankingWithExclusionsAndMasks() {
        var rng = SeededRandom(seed: 21)
        for trial in 0 ..< 60 {
            let items = 1 + rng.below(300), k = rng.below(20)
            let model = exactModel(items: items, factors: k, rng: &rng)
            let panels = ItemPanels(model: model)
            let u = rng.below(3)
            let exclude = (0 ..< items).filter { _ in rng.below(4) == 0 }.map { UInt32($0) }
            let mask = trial % 3 == 0 ? nil : ItemMask(items: items, allowing: (0 ..< items).filter { _ in rng.below(3) > 0 })
            let n = rng.below(items + 3) - 1
            let got = model.users.values.withUnsafeBufferPointer { p in
                panels.top(p.baseAddress! + u * model.users.stride, scoring: .biased(offset: model.globalMean + model.userBias[u]),
                           n: n, exclude: exclude[...], allowed: mask)
            }
            let skip = Set(exclude.map(Int.init))
            var candidates: [(item: Int, score: Float)] = []
            for i in 0 ..< items where !skip.contains(i) && (mask?.contains(i) ?? true) {
                candidates.append((i, model.score(user: u, item: i)))
            }
            candidates.sort { a, b in a.score != b.score ? a.score > b.score : a.item < b.item }
            let expected = Array(candidates.prefix(max(0, n)))
            let gotItems: [Int] = got.map { $0.item }, expectedItems: [Int] = expected.map { $0.item }
            let gotScores: [Float] = got.map { $0.score }, expectedScores: [Float] = expected.map { $0.score }
            #expect(gotItems == expectedItems, "trial \(trial)")
            #expect(gotScores == expectedScores, "trial \(trial)")
        }
    }

    @Test func cosineRanksByAngleAndKeepsZeroVectorsLast() {
        var model = BiasedFactorModel(globalMean: 0, users: FactorMatrix(rows: 1, factors: 2), items: FactorMatrix(rows: 20, factors: 2))
        // Item i points at angle i * 10 degrees with length 1 + i (length must not matter); item 19 is zero.
        for i in 0 ..< 19 {
            let a = Float(i) * 10 * .pi / 180
            model.items[i, 0] = (1 + Float(i)) * cos(a)
            model.items[i, 1] = (1 + Float(i)) * sin(a)
        }
        let panels = ItemPanels(model: model)
        var query = [Float](repeating: 0, count: model.items.stride)
        query[0] = cos(Float(50) * .pi / 180); query[1] = sin(Float(50) * .pi / 180)
        let got = panels.top(query, scoring: .cosine, n: 20, exclude: [UInt32(5)])
        #expect(got.prefix(4).map(\.item) == [4, 6, 3, 7])
        #expect(abs(got[0].score - cos(Float(10) * .pi / 180)) < 1e-5)
        #expect(got.last?.item == 19 || got.last!.score < 0)
        #expect(abs(panels.norm(3) - 4) < 1e-5)
    }

    @Test func masksIntersectCountAndIgnoreOutOfRangeItems() {
        let a = ItemMask(items: 40, allowing: [0, 15, 16, 39, 40, -1])
        let b = ItemMask(items: 40, allowing: [15, 39, 7])
        #expect(a.count == 4)
        #expect(a.intersection(b).count == 2)
        #expect(a.intersection(b).contains(39) && !a.intersection(b).contains(0))
        #expect(ItemMask.all(items: 40).count == 40)
        #expect(ItemMask.all(items: 0).count == 0)
        #expect(!a.contains(40) && !a.contains(-1))
    }
}
