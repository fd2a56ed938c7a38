import CineMeshModel
import Foundation

/// L2-regularized logistic regression, fitted by Newton's method: the objective is
/// scikit-learn's `LogisticRegression(C=c)`,
///
///     sum over rows of log loss  +  ||w||^2 / (2 c)      (the intercept is not penalized)
///
/// so the same features give the same model. Each step sums `LogisticSums` over the rows, adds the
/// penalty's gradient and Hessian, solves H step = g (Cholesky) and halves the step while the
/// objective does not fall. It stops when no parameter moves by more than `tolerance` (relative
/// to its size, at least 1), or after `maxIterations`.
public struct LogisticRegression: Sendable, Codable, Equatable {
    /// One weight per feature, in the features' order.
    public var weights: [Double]
    public var intercept: Double
    public var c: Double
    public var iterations: Int
    public var converged: Bool
    /// The objective at the fitted parameters.
    public var objective: Double

    /// P(like) for a row of features.
    public func probability(_ x: ArraySlice<Float>) -> Double {
        var z = intercept
        for (f, w) in weights.enumerated() { z += w * Double(x[x.startIndex + f]) }
        return Self.sigmoid(z)
    }

    /// Fits on the rows of `features` where `use` is true.
    public static func fit(_ features: LikeFeatures, use: [Bool], c: Double = 1, maxIterations: Int = 100,
                           tolerance: Double = 1e-8) -> LogisticRegression {
        let d = features.names.count + 1
        var w = [Double](repeating: 0, count: d)
        func sums(_ w: [Double]) -> LogisticSums {
            var s = LogisticSums(dimension: d)
            for r in 0 ..< features.count where use[r] { s.add(features.row(r), label: features.labels[r], parameters: w) }
            return s
        }
        func penalty(_ w: [Double]) -> Double { (0 ..< d - 1).reduce(0) { $0 + w[$1] * w[$1] } / (2 * c) }
        var current = sums(w)
        var objective = current.loss + penalty(w)
        var iterations = 0, converged = false
        while iterations < maxIterations, !converged {
            iterations += 1
            var g = current.gradient, h = current.hessian
            for f in 0 ..< d - 1 {
                g[f] += w[f] / c
                h[f * d + f] += 1 / c
            }
            guard Cholesky.solveInPlace(&h, &g, size: d) else { break }
            var scale = 1.0
            while true {
                let candidate = (0 ..< d).map { w[$0] - scale * g[$0] }
                let next = sums(candidate)
                let value = next.loss + penalty(candidate)
                if value <= objective || scale < 1e-10 {
                    converged = (0 ..< d).allSatisfy { abs(scale * g[$0]) <= tolerance * max(1, abs(w[$0])) }
                    w = candidate
                    current = next
                    objective = value
                    break
                }
                scale /= 2
            }
        }
        return LogisticRegression(weights: Array(w.prefix(d - 1)), intercept: w[d - 1], c: c, iterations: iterations,
                                  converged: converged, objective: objective)
    }

    @inline(__always)
    static func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }

    /// log(1 + e^z), exact for large |z|.
    @inline(__always)
    static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }
}
