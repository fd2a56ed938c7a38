@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct ALSTests {
    @Test func choleskySolvesAKnownSystem() {
        // Rows x = (2, 0) with target 2.5 and (0, 1) three times with target 1:
        // A = [[4, 0], [0, 3]], b = [5, 3]; with lambda 1 on the diagonal: [[5, 0], [0, 4]] p = [5, 3].
        var eq = NormalEquation(size: 2)
        for (row, target) in [([Float(2), 0], 2.5), ([0, 1], 1), ([0, 1], 1), ([0, 1], 1)] {
            row.withUnsafeBufferPointer { eq.add($0.baseAddress!, target: target) }
        }
        var out = [Float](repeating: 0, count: 2)
        let ok = out.withUnsafeMutableBufferPointer { eq.solve(lambda: [1, 1], into: $0.baseAddress!) }
        #expect(ok && abs(out[0] - 1) < 1e-6 && abs(out[1] - 0.75) < 1e-6)
        // [[4, 2], [2, 3]] x = [10, 8] -> x = [1.75, 1.5]
        var m: [Double] = [4, 2, 2, 3], v: [Double] = [10, 8]
        #expect(Cholesky.solveInPlace(&m, &v, size: 2))
        #expect(abs(v[0] - 1.75) < 1e-12 && abs(v[1] - 1.5) < 1e-12)
        var singular: [Double] = [1, 1, 1, 1], w: [Double] = [1, 1]
        #expect(!Cholesky.solveInPlace(&singular, &w, size: 2))
    }

    @Test func mergedPartialSumsEqualOneSum() {
        var rng = SeededRandom(seed: 5)
        let xs = (0 ..< 12).map { _ in (0 ..< 4).map { _ in Float(rng.normal()) } }
        var whole = NormalEquation(size: 4), left = NormalEquation(size: 4), right = NormalEquation(size: 4)
        for (n, x) in xs.enumerated() {
            x.withUnsafeBufferPointer {
                whole.add($0.baseAddress!, target: Double(n))
                if n < 5 { left.add($0.baseAddress!, target: Double(n)) } else { right.add($0.baseAddress!, target: Double(n)) }
            }
        }
        left.merge(right)
        #expect(left.count == 12)
        #expect(zip(left.a, whole.a).allSatisfy { abs($0 - $1) < 1e-9 } && zip(left.b, whole.b).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    /// A fully observed 6 x 5 matrix of rank 5, no biases, no regularization, 5 factors: ALS
    /// must reproduce it exactly.
    @Test func reconstructsAFullRankMatrixExactly() throws {
        var rng = SeededRandom(seed: 2)
        var block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 6, itemRange: 0 ..< 5)
        for u in 0 ..< 6 {
            for i in 0 ..< 5 {
                block.users.append(UInt32(u)); block.items.append(UInt32(i)); block.ratings.append(Float(1 + rng.below(5)))
            }
        }
        var p = ALSParameters()
        p.factors = 5
        p.iterations = 30
        p.regularization = 0
        p.biased = false
        var last = Double.infinity
        let model = try ALSTrainer(parameters: p).fit([block], users: 6, items: 5, scale: .oneToFive) { last = $0.trainRMSE }
        #expect(last < 1e-3, "training RMSE \(last)")
        for k in 0 ..< block.count {
            #expect(abs(model.score(user: Int(block.users[k]), item: Int(block.items[k])) - block.ratings[k]) < 1e-2)
        }
    }

    @Test func singularSystemsAreAClearError() throws {
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 1], items: [0, 1], ratings: [3, 4])
        var p = ALSParameters()
        p.factors = 4
        p.regularization = 0
        p.biased = false
        let error = dataErrorOf { _ = try ALSTrainer(parameters: p).fit([block], users: 2, items: 2, scale: .oneToFive) }
        #expect(error?.message.hasPrefix("ALS: the system of user 0 is singular") == true)
    }

    @Test func recoversPlantedFactorsAndIsDeterministic() throws {
        var c = GeneratorConfig(ratings: 60_000, users: 600, items: 400)
        c.seed = 8
        c.noise = 0.3
        c.step = 0
        let f = try GeneratedSplit(c)
        let (ds, train, test) = (f.ds, f.train, f.test)
        var p = ALSParameters()
        p.factors = 8
        p.iterations = 8
        p.regularization = 0.05
        let a = try ALSTrainer(parameters: p).fit(train, users: ds.manifest.users, items: ds.manifest.items, scale: ds.manifest.ratingScale)
        let b = try ALSTrainer(parameters: p).fit(train, users: ds.manifest.users, items: ds.manifest.items, scale: ds.manifest.ratingScale)
        #expect(a == b)
        let rmse = EvaluationSet(blocks: test).errors(of: a, scale: ds.manifest.ratingScale).rmse
        let baseline = EvaluationSet(blocks: test).errors(of: BaselineTrainer().fit(train, users: ds.manifest.users, items: ds.manifest.items), scale: ds.manifest.ratingScale).rmse
        #expect(rmse < 0.42, "ALS test RMSE \(rmse) (noise 0.3)")
        #expect(rmse < baseline - 0.1)
    }
}
