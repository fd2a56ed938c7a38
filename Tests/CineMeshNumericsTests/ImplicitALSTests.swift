@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct ImplicitALSTests {
    /// With as many CG steps as unknowns (plus a margin), CG reaches the exact solution of
    /// (Y^T Y + lambda I + alpha sum y y^T) x = (1 + alpha) sum y, computed directly by Cholesky.
    @Test func conjugateGradientMatchesTheDirectSolve() {
        let k = 6, items = 9
        var y = FactorMatrix.normal(rows: items, factors: k, mean: 0, std: 0.5, seed: 3, salt: 1)
        y[0, 0] = 1.5
        let observed: [UInt32] = [1, 4, 5, 8]
        let lambda = 0.3, alpha = 2.0
        let g = ImplicitALSTrainer.gram(y)
        var direct = NormalEquation(size: k)
        for item in observed {
            var row = (0 ..< k).map { y[Int(item), $0] }
            row.withUnsafeMutableBufferPointer { direct.add($0.baseAddress!, target: (1 + alpha) / alpha, weight: alpha) }
        }
        // A = G + lambda I + alpha sum y y^T: fold G in through the diagonal-free part by solving
        // with Cholesky on an explicit matrix.
        var m = [Double](repeating: 0, count: k * k)
        let s = y.stride
        for i in 0 ..< k { for j in 0 ..< k { m[i * k + j] = Double(g[i * s + j]) + (j >= i ? direct.a[i * k + j] : direct.a[j * k + i]) + (i == j ? lambda : 0) } }
        var b = direct.b
        #expect(Cholesky.solveInPlace(&m, &b, size: k))
        var solver = ConjugateGradientRow(factors: k, stride: s, gram: g, regularization: lambda, alpha: alpha)
        var x = [Float](repeating: 0, count: s)
        y.values.withUnsafeBufferPointer { fixed in
            x.withUnsafeMutableBufferPointer { solver.solve(row: $0.baseAddress!, observed: observed[...], fixed: fixed.baseAddress!, steps: 3 * k) }
        }
        // Float CG against a Double direct solve.
        for f in 0 ..< k { #expect(abs(Double(x[f]) - b[f]) < 1e-3 * max(1, abs(b[f])), "factor \(f): CG \(x[f]) vs direct \(b[f])") }
    }

    /// Two groups of users, each interacting only with its own half of the catalog: the model must
    /// score a held-out item of the user's half above any item of the other half.
    @Test func learnsWhichItemsBelongToWhichUsersAndIsDeterministic() throws {
        let users = 200, items = 100
        var rng = SeededRandom(seed: 6)
        var block = RatingBlock(row: 0, column: 0, userRange: 0 ..< UInt32(users), itemRange: 0 ..< UInt32(items))
        var heldOut: [Int] = []
        for u in 0 ..< users {
            let half = (u % 2) * 50
            var chosen = Set<Int>()
            while chosen.count < 16 { chosen.insert(half + rng.below(50)) }
            let sorted = chosen.sorted()
            heldOut.append(sorted[rng.below(sorted.count)])
            for i in sorted where i != heldOut[u] {
                block.users.append(UInt32(u)); block.items.append(UInt32(i)); block.ratings.append(5)
            }
        }
        var p = ImplicitALSParameters()
        p.factors = 8
        p.iterations = 10
        let trainer = ImplicitALSTrainer(parameters: p)
        let model = try trainer.fit([block], users: users, items: items)
        #expect(try trainer.fit([block], users: users, items: items) == model)
        var wins = 0, trials = 0
        for u in 0 ..< users {
            let other = ((u + 1) % 2) * 50
            for j in other ..< other + 50 {
                if model.score(user: u, item: heldOut[u]) > model.score(user: u, item: j) { wins += 1 }
                trials += 1
            }
        }
        #expect(Double(wins) / Double(trials) > 0.95, "held-out own-half item above other-half items in \(wins) of \(trials)")
    }
}
