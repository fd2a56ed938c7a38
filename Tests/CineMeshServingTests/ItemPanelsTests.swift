@testable import CineMeshData
import CineMeshModel
import CineMeshNumerics
@testable import CineMeshServing
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
            let mask = trial % 3 == 0 ? nil : panels.mask(allowing: (0 ..< items).filter { _ in rng.below(3) > 0 })
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

    /// Real-valued factors: the rounded first pass must still give exactly the exhaustive answer.
    @Test func topNIsExactlyTheExhaustiveAnswerOnRandomModels() {
        var rng = SeededRandom(seed: 5)
        for trial in 0 ..< 40 {
            let items = 1 + rng.below(2000), k = 1 + rng.below(70)
            var model = BiasedFactorModel(globalMean: 3.5, users: .normal(rows: 4, factors: k, mean: 0, std: 0.3, seed: UInt64(trial), salt: 1),
                                          items: .normal(rows: items, factors: k, mean: 0, std: 0.3, seed: UInt64(trial), salt: 2))
            for i in 0 ..< items { model.itemBias[i] = Float(rng.normal()) * 0.4 }
            if trial % 7 == 0 { for i in stride(from: 0, to: items, by: 3) { model.itemBias[i] = 0.25 } }
            let panels = ItemPanels(model: model)
            let u = rng.below(4), n = 1 + rng.below(50)
            let exclude = (0 ..< items).filter { _ in rng.below(10) == 0 }.map { UInt32($0) }
            let expected = TopN.recommend(model: model, user: u, n: n, exclude: exclude)
            let got = model.users.values.withUnsafeBufferPointer { p in
                panels.top(p.baseAddress! + u * model.users.stride, scoring: .biased(offset: model.globalMean + model.userBias[u]),
                           n: n, exclude: exclude[...])
            }
            let gotItems: [Int] = got.map { $0.item }, expectedItems: [Int] = expected.map { $0.item }
            let gotScores: [Float] = got.map { $0.score }, expectedScores: [Float] = expected.map { $0.score }
            #expect(gotItems == expectedItems, "trial \(trial)")
            #expect(gotScores == expectedScores, "trial \(trial)")
        }
    }

    /// Items whose factors all have the same magnitude make every column reach 32767, the worst
    /// case for the integer sums: the quantized query keeps them below 2^31, the kernel's pairwise
    /// multiply-adds equal a 64-bit scalar sum, and the dequantized dot stays within the bound
    /// `top` uses.
    @Test func quantizedDotsCannotOverflowAndStayNearTheExactOnes() {
        var rng = SeededRandom(seed: 9)
        for trial in 0 ..< 30 {
            let k = 1 + rng.below(130), rows = 1 + rng.below(40)
            var items = FactorMatrix(rows: rows, factors: k)
            for i in 0 ..< rows { for f in 0 ..< k { items[i, f] = (rng.below(2) == 0 ? -1 : 1) * (trial % 2 == 0 ? 0.7 : Float(rng.normal())) } }
            let model = BiasedFactorModel(globalMean: 0, users: FactorMatrix(rows: 1, factors: k), items: items)
            let panels = ItemPanels(model: model)
            let x = (0 ..< k).map { _ in (rng.below(2) == 0 ? -1 : 1) * (trial % 3 == 0 ? 3 : Float(rng.normal()) * 2) }
            var words = [SIMD4<UInt32>](repeating: SIMD4(), count: panels.pairs)
            let step = x.withUnsafeBufferPointer { x in words.withUnsafeMutableBufferPointer { panels.quantize(x.baseAddress!, into: $0.baseAddress!) } }
            let quantized = (0 ..< 2 * panels.pairs).map { f in Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: words[f / 2].x >> (f % 2 == 0 ? 0 : 16)))) }
            let worst = (0 ..< k).reduce(Int64(0)) { $0 + Int64(panels.columnMax[$1]) * abs(quantized[$1]) }
            #expect(worst < Int64(Int32.max), "trial \(trial)")
            for i in 0 ..< rows {
                let at = Int(panels.position[i]), p = at / ItemPanels.width, lane = at % ItemPanels.width
                let quarters = panels.values.withUnsafeBufferPointer { v in
                    words.withUnsafeBufferPointer { ItemPanels.panelDots($0.baseAddress!, v.baseAddress! + p * panels.pairs * 32, pairs: panels.pairs) }
                }
                let dot = quarters[lane / 4][lane % 4]
                var expected: Int64 = 0
                for f in 0 ..< k { expected += Int64(panels.values[((p * panels.pairs + f / 2) * 16 + lane) * 2 + f % 2]) * quantized[f] }
                #expect(Int64(dot) == expected, "trial \(trial) item \(i)")
                let exact = (0 ..< k).reduce(0.0) { $0 + Double(items[i, $1]) * Double(x[$1]) }
                let approximate = Double(dot) * Double(panels.dotScale[at]) * Double(step)
                let l1 = x.reduce(0) { $0 + Double($1.magnitude) }
                let bound = 0.51 * Double(step) * Double(panels.maxL1) + Double(panels.maxInf) / 32767 * (0.51 * l1 + Double(panels.pairs + 128) * Double(step))
                #expect(abs(approximate - exact) <= bound, "trial \(trial) item \(i)")
            }
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
        // Biases that reverse the order: item 39 sits in the first panel.
        var model = BiasedFactorModel(globalMean: 0, users: FactorMatrix(rows: 1, factors: 3), items: FactorMatrix(rows: 40, factors: 3))
        for i in 0 ..< 40 { model.itemBias[i] = Float(i) }
        let panels = ItemPanels(model: model)
        let a = panels.mask(allowing: [0, 15, 16, 39, 40, -1])
        let b = panels.mask(allowing: [15, 39, 7])
        #expect(a.count == 4)
        #expect(a.intersection(b).count == 2)
        #expect(a.intersection(b).contains(39) && !a.intersection(b).contains(0))
        #expect(panels.mask(allowing: 0 ..< 40).count == 40 && panels.emptyMask().count == 0)
        #expect(!a.contains(40) && !a.contains(-1))
        // Filtered and pruned: the best allowed items by bias, the others never scored.
        let query = [Float](repeating: 0, count: model.items.stride)
        #expect(panels.top(query, scoring: .biased(offset: 1), n: 2, allowed: a).map(\.item) == [39, 16])
        #expect(panels.top(query, scoring: .biased(offset: 1), n: 3, exclude: [39], allowed: a).map(\.score) == [17, 16, 1])
    }
}
