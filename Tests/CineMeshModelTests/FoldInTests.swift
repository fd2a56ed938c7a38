@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct FoldInTests {
    /// The gradient of sum_j (y_j - b - p . q_j)^2 + lambda (|p|^2 + b^2) at the solution.
    func gradient(_ items: FactorMatrix, _ rows: [Int], _ y: [Double], _ lambda: Double, _ p: [Float], _ b: Float) -> [Double] {
        let k = items.factors
        var g = (0 ..< k).map { 2 * lambda * Double(p[$0]) } + [2 * lambda * Double(b)]
        for (i, target) in zip(rows, y) {
            var prediction = Double(b)
            for f in 0 ..< k { prediction += Double(p[f]) * Double(items[i, f]) }
            let residual = target - prediction
            for f in 0 ..< k { g[f] -= 2 * residual * Double(items[i, f]) }
            g[k] -= 2 * residual
        }
        return g
    }

    @Test func primalAndDualBothMinimizeTheRidgeObjectiveAndAgree() throws {
        var rng = SeededRandom(seed: 9)
        for trial in 0 ..< 20 {
            let k = 1 + rng.below(40), n = 1 + rng.below(2 * k + 4)
            let items = FactorMatrix.normal(rows: 200, factors: k, mean: 0, std: 0.3, seed: UInt64(trial), salt: 4)
            let rows = (0 ..< n).map { _ in rng.below(200) }
            let y = (0 ..< n).map { _ in rng.normal() }
            let lambda = 0.1 * Double(n)
            let primal = try #require(FoldIn.primal(items: items, rows: rows, targets: y, lambda: lambda))
            let dual = try #require(FoldIn.dual(items: items, rows: rows, targets: y, lambda: lambda))
            for solution in [primal, dual] {
                let g = gradient(items, rows, y, lambda, solution.row, solution.bias)
                #expect(g.allSatisfy { abs($0) < 1e-3 }, "trial \(trial): gradient \(g.map { abs($0) }.max()!)")
                #expect(solution.row.count == items.stride && solution.row[k...].allSatisfy { $0 == 0 })
            }
            for f in 0 ..< k { #expect(abs(primal.row[f] - dual.row[f]) < 1e-4, "trial \(trial) factor \(f)") }
            #expect(abs(primal.bias - dual.bias) < 1e-4)
        }
    }

    @Test func withoutRegularizationTooFewRatingsCannotBeSolved() {
        let items = FactorMatrix(rows: 3, factors: 4)
        #expect(FoldIn.solve(items: items, rows: [0, 1], targets: [1, 2], lambda: 0) == nil)
    }
}
