import CineMeshData
import Dispatch

/// Implicit-feedback ALS: every rating at or above the threshold is an observed interaction with
/// preference 1 and confidence c = 1 + alpha; everything else is preference 0 with confidence 1.
/// A user's factors x minimize sum over all items of c (p - x . y_i)^2 + lambda |x|^2, i.e. solve
///
///     (Y^T Y + sum over observed i of (c - 1) y_i y_i^T + lambda I) x = sum over observed i of c y_i
///
/// Y^T Y (the Gram matrix) is shared by all users and computed once per half-iteration as a sum
/// over items in index order (partial sums merge in a fixed order across workers); each row then
/// takes `cgSteps` conjugate-gradient steps from its current value, touching only its observed items.
public struct ImplicitALSTrainer: Sendable {
    public var parameters: ImplicitALSParameters

    public init(parameters: ImplicitALSParameters) { self.parameters = parameters }

    /// The observed interactions of `blocks`, one block per input block.
    public func positives(_ blocks: [RatingBlock]) -> [RatingBlock] {
        blocks.map { b in
            var out = RatingBlock(row: b.row, column: b.column, userRange: b.userRange, itemRange: b.itemRange)
            for k in 0 ..< b.count where b.ratings[k] >= parameters.positiveThreshold {
                out.users.append(b.users[k]); out.items.append(b.items[k]); out.ratings.append(1)
            }
            return out
        }
    }

    /// Trains on the observed interactions of `train` (ratings below the threshold are ignored).
    /// The returned model has no mean or biases: scores are x_u . y_i.
    public func fit(_ train: [RatingBlock], users: Int, items: Int, onIteration: (Int, Double) -> Void = { _, _ in }) throws -> BiasedFactorModel {
        let p = parameters
        guard p.factors >= 1 && p.factors <= 512, p.iterations >= 0, p.regularization > 0, p.alpha >= 0, p.cgSteps >= 1 else {
            throw DataError(.usage, "implicit ALS needs 1-512 factors, iterations >= 0, regularization > 0, alpha >= 0 and cg steps >= 1")
        }
        let observed = positives(train)
        let byUser = RatingsByRow(observed, rows: users, byUser: true)
        let byItem = RatingsByRow(observed, rows: items, byUser: false)
        var model = BiasedFactorModel(
            globalMean: 0,
            users: .normal(rows: users, factors: p.factors, mean: 0, std: p.initStd, seed: p.seed, salt: 1),
            items: .normal(rows: items, factors: p.factors, mean: 0, std: p.initStd, seed: p.seed, salt: 2))
        for iteration in 0 ..< p.iterations {
            let started = monotonicSeconds()
            update(&model.users, from: byUser, fixed: model.items)
            update(&model.items, from: byItem, fixed: model.users)
            guard model.users.values.allSatisfy(\.isFinite), model.items.values.allSatisfy(\.isFinite) else {
                throw DataError(.usage, "implicit ALS diverged in iteration \(iteration + 1); raise the regularization")
            }
            onIteration(iteration + 1, monotonicSeconds() - started)
        }
        return model
    }

    /// Y^T Y of the fixed side, summed over rows in index order.
    static func gram(_ y: FactorMatrix) -> [Double] {
        let k = y.factors, s = y.stride
        var g = [Double](repeating: 0, count: k * k)
        y.values.withUnsafeBufferPointer { v in
            g.withUnsafeMutableBufferPointer { gp in
                for r in 0 ..< y.rows {
                    let row = v.baseAddress! + r * s
                    for i in 0 ..< k {
                        let yi = Double(row[i])
                        for j in 0 ..< k { gp[i * k + j] += yi * Double(row[j]) }
                    }
                }
            }
        }
        return g
    }

    /// One half-iteration: every row of `x` takes `cgSteps` CG steps against the fixed side.
    private func update(_ x: inout FactorMatrix, from rows: RatingsByRow, fixed y: FactorMatrix) {
        let g = Self.gram(y)
        let k = x.factors, s = x.stride
        let params = parameters
        let chunk = 256
        x.values.withUnsafeMutableBufferPointer { out in
            y.values.withUnsafeBufferPointer { fixed in
                let shared = UnsafeSendable((out.baseAddress!, fixed.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: (rows.rows + chunk - 1) / chunk) { c in
                    let (out, fixed) = shared.value
                    var solver = ConjugateGradientRow(factors: k, gram: g, regularization: params.regularization, alpha: params.alpha)
                    for r in c * chunk ..< min(rows.rows, (c + 1) * chunk) {
                        let observed = rows.others[rows.offsets[r] ..< rows.offsets[r + 1]]
                        solver.solve(row: out + r * s, observed: observed, fixed: fixed, stride: s, steps: params.cgSteps)
                    }
                }
            }
        }
    }
}

/// The CG update of one row, with scratch vectors reused across rows (no allocation per row).
struct ConjugateGradientRow {
    let k: Int
    let gram: [Double]
    let lambda: Double
    let alpha: Double
    private var x: [Double], r: [Double], p: [Double], ap: [Double]

    init(factors: Int, gram: [Double], regularization: Double, alpha: Double) {
        k = factors
        self.gram = gram
        lambda = regularization
        self.alpha = alpha
        x = [Double](repeating: 0, count: factors)
        r = x
        p = x
        ap = x
    }

    /// out = A v, where A = G + lambda I + sum over observed i of alpha y_i y_i^T.
    private func multiply(_ v: [Double], into out: inout [Double], observed: ArraySlice<UInt32>, fixed: UnsafePointer<Float>, stride: Int) {
        for i in 0 ..< k {
            var s = lambda * v[i]
            for j in 0 ..< k { s += gram[i * k + j] * v[j] }
            out[i] = s
        }
        for item in observed {
            let y = fixed + Int(item) * stride
            var dot = 0.0
            for f in 0 ..< k { dot += Double(y[f]) * v[f] }
            let w = alpha * dot
            for f in 0 ..< k { out[f] += w * Double(y[f]) }
        }
    }

    /// `steps` CG iterations on the row at `row`, starting from its current value.
    mutating func solve(row: UnsafeMutablePointer<Float>, observed: ArraySlice<UInt32>, fixed: UnsafePointer<Float>, stride: Int, steps: Int) {
        for f in 0 ..< k { x[f] = Double(row[f]) }
        multiply(x, into: &ap, observed: observed, fixed: fixed, stride: stride)
        // b = sum over observed of (1 + alpha) y_i
        for f in 0 ..< k { r[f] = -ap[f] }
        for item in observed {
            let y = fixed + Int(item) * stride
            for f in 0 ..< k { r[f] += (1 + alpha) * Double(y[f]) }
        }
        for f in 0 ..< k { p[f] = r[f] }
        var rs = 0.0
        for f in 0 ..< k { rs += r[f] * r[f] }
        for _ in 0 ..< steps {
            if rs < 1e-20 { break }
            multiply(p, into: &ap, observed: observed, fixed: fixed, stride: stride)
            var pap = 0.0
            for f in 0 ..< k { pap += p[f] * ap[f] }
            if pap <= 0 { break }
            let a = rs / pap
            var next = 0.0
            for f in 0 ..< k {
                x[f] += a * p[f]
                r[f] -= a * ap[f]
                next += r[f] * r[f]
            }
            let beta = next / rs
            for f in 0 ..< k { p[f] = r[f] + beta * p[f] }
            rs = next
        }
        for f in 0 ..< k { row[f] = Float(x[f]) }
    }
}
