/// A new user against a trained model's fixed item side: the factors p and bias b minimizing
/// sum_j (y_j - b - p . q_(i_j))^2 + lambda (|p|^2 + b^2), one ridge regression, as an ALS half-step
/// solves each user. With fewer ratings than unknowns (k + 1) it goes through the dual,
/// p = X^T (X X^T + lambda I)^-1 y with X the rated rows (and a 1 for the bias): an n x n system
/// instead of a (k + 1) x (k + 1) one, so folding in 5 ratings at 64 factors solves 5 equations,
/// not 65. Both forms have the same minimizer; they differ by rounding only.
public enum FoldIn {
    /// The factor row (`items.stride` floats, padding zero) and bias for `targets[j]` on item
    /// `rows[j]`; nil when the system cannot be solved (lambda 0 and too few ratings).
    public static func solve(items: FactorMatrix, rows: [Int], targets: [Double], lambda: Double) -> (row: [Float], bias: Float)? {
        rows.count < items.factors + 1 ? dual(items: items, rows: rows, targets: targets, lambda: lambda)
                                       : primal(items: items, rows: rows, targets: targets, lambda: lambda)
    }

    /// (X^T X + lambda I) w = X^T y through `NormalEquation`.
    static func primal(items: FactorMatrix, rows: [Int], targets: [Double], lambda: Double) -> (row: [Float], bias: Float)? {
        let k = items.factors, s = items.stride
        var equation = NormalEquation(size: k + 1)
        var x = [Float](repeating: 0, count: k + 1)
        items.values.withUnsafeBufferPointer { q in
            for (i, target) in zip(rows, targets) {
                for f in 0 ..< k { x[f] = q[i * s + f] }
                x[k] = 1
                x.withUnsafeBufferPointer { equation.add($0.baseAddress!, target: target) }
            }
        }
        var solution = [Float](repeating: 0, count: k + 1)
        let reg = [Double](repeating: lambda, count: k + 1)
        guard solution.withUnsafeMutableBufferPointer({ equation.solve(lambda: reg, into: $0.baseAddress!) }) else { return nil }
        var row = [Float](repeating: 0, count: s)
        for f in 0 ..< k { row[f] = solution[f] }
        return (row, solution[k])
    }

    /// (X X^T + lambda I) a = y, then w = X^T a.
    static func dual(items: FactorMatrix, rows: [Int], targets: [Double], lambda: Double) -> (row: [Float], bias: Float)? {
        let k = items.factors, s = items.stride, n = rows.count
        var gram = [Double](repeating: 0, count: n * n)
        var a = targets
        items.values.withUnsafeBufferPointer { q in
            for r in 0 ..< n {
                for c in r ..< n {
                    var dot = 1.0   // the bias column
                    for f in 0 ..< k { dot += Double(q[rows[r] * s + f]) * Double(q[rows[c] * s + f]) }
                    gram[r * n + c] = dot
                }
                gram[r * n + r] += lambda
            }
        }
        guard Cholesky.solveInPlace(&gram, &a, size: n) else { return nil }
        var row = [Float](repeating: 0, count: s)
        var bias = 0.0
        items.values.withUnsafeBufferPointer { q in
            for f in 0 ..< k {
                var w = 0.0
                for r in 0 ..< n { w += a[r] * Double(q[rows[r] * s + f]) }
                row[f] = Float(w)
            }
            for r in 0 ..< n { bias += a[r] }
        }
        return (row, Float(bias))
    }
}
