import CineMeshData
@testable import CineMeshNumerics
import Foundation
import Testing

/// Logistic regression by Newton's method: the optimum of scikit-learn's objective, checked by
/// its gradient, and sums that merge to the same bits as one pass.
@Suite struct LogisticRegressionTests {
    /// A one-feature problem: the feature is the rating's user mean, nudged; likes at 4 and 5.
    func problem() -> LikeFeatures {
        var rows: [(UInt32, UInt32, Float, Int64)] = []
        for u in 0 ..< 6 { for i in 0 ..< 5 { rows.append((UInt32(u), UInt32(i), Float((u + 2 * i) % 5 + 1), 0)) } }
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 6, itemRange: 0 ..< 5, users: rows.map(\.0), items: rows.map(\.1),
                                ratings: rows.map(\.2), timestamps: rows.map(\.3))
        return LikeFeatures(train: [block], test: [], userCount: 6, itemCount: 5, genres: Array(repeating: [], count: 5), genreCount: 0,
                            hasTime: false, likeThreshold: 4)
    }

    @Test func theFitIsTheRegularizedOptimum() {
        let f = problem()
        let model = LogisticRegression.fit(f, use: Array(repeating: true, count: f.count), c: 0.5)
        #expect(model.converged && model.iterations < 20)
        // At the optimum the objective's gradient vanishes: X^T (p - y) + w / C = 0, intercept unpenalized.
        var gradient = [Double](repeating: 0, count: f.names.count + 1)
        for r in 0 ..< f.count {
            let residual = model.probability(f.row(r)) - Double(f.labels[r])
            for (k, v) in f.row(r).enumerated() { gradient[k] += residual * Double(v) }
            gradient[f.names.count] += residual
        }
        for k in 0 ..< f.names.count { gradient[k] += model.weights[k] / 0.5 }
        #expect(gradient.allSatisfy { abs($0) < 1e-6 }, "\(gradient)")
        // Weaker regularization fits the training rows at least as well.
        let loose = LogisticRegression.fit(f, use: Array(repeating: true, count: f.count), c: 100)
        func loss(_ m: LogisticRegression) -> Double {
            (0 ..< f.count).reduce(0) { s, r in
                let p = m.probability(f.row(r)); return s - (f.labels[r] == 1 ? log(p) : log(1 - p))
            }
        }
        #expect(loss(loose) <= loss(model))
    }

    @Test func sumsOfPartsMergeToTheWhole() {
        let f = problem()
        let w = (0 ... f.names.count).map { 0.1 * Double($0) - 0.3 }
        var whole = LogisticSums(dimension: w.count), a = LogisticSums(dimension: w.count), b = LogisticSums(dimension: w.count)
        for r in 0 ..< f.count {
            whole.add(f.row(r), label: f.labels[r], parameters: w)
            if r < 13 { a.add(f.row(r), label: f.labels[r], parameters: w) } else { b.add(f.row(r), label: f.labels[r], parameters: w) }
        }
        a.merge(b)
        #expect(a.rows == whole.rows)
        #expect(abs(a.loss - whole.loss) < 1e-9 && zip(a.gradient, whole.gradient).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(a.hessian, whole.hessian).allSatisfy { abs($0 - $1) < 1e-9 })
    }
}
