import CineMeshData
import CineMeshModel
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

@Suite struct ErrorSumTests {
    func randomSet(_ rng: inout SeededRandom, users: Int, items: Int, count: Int) -> EvaluationSet {
        var set = EvaluationSet()
        for _ in 0 ..< count {
            set.users.append(rng.below(15) == 0 ? -1 : Int32(rng.below(users)))
            set.items.append(rng.below(15) == 0 ? -1 : Int32(rng.below(items)))
            set.ratings.append(Float(1 + rng.below(9)) / 2)
        }
        return set
    }

    /// Integer addition is associative: the sums are the same bits in any order and however they
    /// are split into partial sums and merged, which is what lets workers score pieces.
    @Test func sumsDoNotDependOnOrderOrOnHowTheyAreSplit() {
        var rng = SeededRandom(seed: 5)
        let errors = (0 ..< 5000).map { _ in Float(rng.normal() * 1.3) }
        var whole = ErrorSum()
        errors.forEach { whole.add($0) }
        for trial in 0 ..< 10 {
            var shuffled = errors
            shuffled.shuffle(using: &rng)
            var parts = [ErrorSum](repeating: ErrorSum(), count: 1 + trial)
            for e in shuffled { parts[rng.below(parts.count)].add(e) }
            var merged = ErrorSum()
            parts.shuffled(using: &rng).forEach { merged.merge($0) }
            #expect(merged == whole)
            #expect(merged.rmse.bitPattern == whole.rmse.bitPattern && merged.mae.bitPattern == whole.mae.bitPattern)
        }
        let se = errors.reduce(0.0) { $0 + Double($1) * Double($1) }, ae = errors.reduce(0.0) { $0 + abs(Double($1)) }
        #expect(abs(whole.rmse - (se / 5000).squareRoot()) < 1e-12)
        #expect(abs(whole.mae - ae / 5000) < 1e-12)
        #expect(ErrorSum(text: whole.text) == whole)
        for bad in ["", "1:2:3", "5:0:x:0:0:0", "-1:0:0:0:0:0", "2:3:0:0:0:0"] { #expect(ErrorSum(text: bad) == nil, "\(bad)") }
    }

    @Test func anErrorThatIsNotFiniteMakesTheSumsNaN() {
        var s = ErrorSum()
        s.add(0.5)
        s.add(.nan)
        #expect(s.count == 2 && s.rmse.isNaN && s.mae.isNaN)
        var t = ErrorSum()
        t.add(1)
        t.merge(s)
        #expect(t.rmse.isNaN && ErrorSum(text: t.text) == t)
    }

    /// A worker scores its grid rows against a slice of the user rows (`userBase`): the pieces,
    /// merged, are the whole set's errors bit for bit.
    @Test func scoringRowsOnSlicesOfTheUserRowsAddsUpToTheWholeSet() {
        var rng = SeededRandom(seed: 9)
        let users = 90, items = 40, k = 13
        var model = BiasedFactorModel(globalMean: 3.1, users: .normal(rows: users, factors: k, mean: 0, std: 0.4, seed: 1, salt: 1),
                                      items: .normal(rows: items, factors: k, mean: 0, std: 0.4, seed: 1, salt: 2))
        for u in 0 ..< users { model.userBias[u] = Float(rng.normal()) * 0.2 }
        for i in 0 ..< items { model.itemBias[i] = Float(rng.normal()) * 0.2 }
        var set = randomSet(&rng, users: users, items: items, count: 3000)
        let whole = set.errorSum(of: model, scale: .oneToFive)
        set.sortByUser()
        #expect(set.errorSum(of: model, scale: .oneToFive) == whole, "the order does not matter")
        let bounds = [0, 17, 40, 41, 90], s = model.users.stride
        var merged = ErrorSum()
        var unknown = EvaluationSet()
        let none = set.range(users: -1 ..< 0)
        unknown.users = Array(set.users[none]); unknown.items = Array(set.items[none]); unknown.ratings = Array(set.ratings[none])
        #expect(!none.isEmpty)
        merged.merge(unknown.errorSum(of: model, scale: .oneToFive))
        for (lo, hi) in zip(bounds, bounds.dropFirst()) {
            let r = set.range(users: Int32(lo) ..< Int32(hi))
            let rows = Array(model.users.values[lo * s ..< hi * s]), bias = Array(model.userBias[lo ..< hi])
            let part = rows.withUnsafeBufferPointer { p in
                bias.withUnsafeBufferPointer { b in
                    model.items.values.withUnsafeBufferPointer { q in
                        model.itemBias.withUnsafeBufferPointer { bi in
                            set.users[r].withUnsafeBufferPointer { hu in
                                set.items[r].withUnsafeBufferPointer { hi in
                                    set.ratings[r].withUnsafeBufferPointer { hr in
                                        HeldOutScorer(userRows: p.baseAddress ?? q.baseAddress!, userBias: b.baseAddress ?? bi.baseAddress!, userBase: lo,
                                                      itemRows: q.baseAddress!, itemBias: bi.baseAddress!, stride: s, mean: model.globalMean,
                                                      scale: .oneToFive).errors(users: hu, items: hi, ratings: hr)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            merged.merge(part)
        }
        #expect(merged == whole)
        #expect(merged.count == set.count)
    }
}
