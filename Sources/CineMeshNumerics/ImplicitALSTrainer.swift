import CineMeshData
import CineMeshModel
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
            users: .uniform(rows: users, factors: p.factors, scale: p.initScale, seed: p.seed, salt: 1),
            items: .uniform(rows: items, factors: p.factors, scale: p.initScale, seed: p.seed, salt: 2))
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

    /// Y^T Y of the fixed side as k rows of `stride` floats (padding zero). Rows are summed in
    /// index order, in Float within chunks of 1024 rows and in Double across chunks, so the result
    /// is deterministic and accurate.
    public static func gram(_ y: FactorMatrix) -> [Float] {
        let k = y.factors, s = y.stride
        var total = [Double](repeating: 0, count: k * s)
        var chunk = [Float](repeating: 0, count: k * s)
        y.values.withUnsafeBufferPointer { v in
            chunk.withUnsafeMutableBufferPointer { c in
                var r = 0
                while r < y.rows {
                    for i in 0 ..< c.count { c[i] = 0 }
                    for row in r ..< min(y.rows, r + 1024) {
                        let yr = v.baseAddress! + row * s
                        for i in 0 ..< k { Kernels.axpy(yr[i], yr, c.baseAddress! + i * s, stride: s) }
                    }
                    for i in 0 ..< total.count { total[i] += Double(c[i]) }
                    r += 1024
                }
            }
        }
        return total.map { Float($0) }
    }

    /// One half-iteration: every row of `x` takes `cgSteps` CG steps against the fixed side.
    private func update(_ x: inout FactorMatrix, from rows: RatingsByRow, fixed y: FactorMatrix) {
        Self.update(&x.values, from: rows, fixed: y.values, gram: Self.gram(y), factors: x.factors, stride: x.stride, parameters: parameters)
    }

    /// CG steps for every row of `rows` (a whole side, or one worker's range of it): row r of
    /// `rows` is `x[r * stride...]`, updated in place from its current value. `gram` is Y^T Y of
    /// the fixed side (`gram(_:)`).
    public static func update(_ x: inout [Float], from rows: RatingsByRow, fixed: [Float], gram g: [Float], factors k: Int, stride s: Int,
                              parameters params: ImplicitALSParameters) {
        let chunk = 256
        x.withUnsafeMutableBufferPointer { out in
            fixed.withUnsafeBufferPointer { fixed in
                let shared = UnsafeSendable((out.baseAddress!, fixed.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: (rows.rows + chunk - 1) / chunk) { c in
                    let (out, fixed) = shared.value
                    var solver = ConjugateGradientRow(factors: k, stride: s, gram: g, regularization: params.regularization, alpha: params.alpha)
                    for r in c * chunk ..< min(rows.rows, (c + 1) * chunk) {
                        let observed = rows.others[rows.offsets[r] ..< rows.offsets[r + 1]]
                        solver.solve(row: out + r * s, observed: observed, fixed: fixed, steps: params.cgSteps)
                    }
                }
            }
        }
    }
}

/// The CG update of one row, with scratch vectors reused across rows (no allocation per row). All
/// vectors are padded rows of `stride` floats, worked on with the SIMD8 kernels.
struct ConjugateGradientRow {
    let k: Int
    let stride: Int
    let gram: [Float]
    let lambda: Float
    let alpha: Float
    private var x: [Float], r: [Float], p: [Float], ap: [Float]

    init(factors: Int, stride: Int, gram: [Float], regularization: Double, alpha: Double) {
        k = factors
        self.stride = stride
        self.gram = gram
        lambda = Float(regularization)
        self.alpha = Float(alpha)
        x = [Float](repeating: 0, count: stride)
        r = x
        p = x
        ap = x
    }

    /// out = A v, where A = G + lambda I + sum over observed i of alpha y_i y_i^T.
    @inline(__always)
    private static func multiply(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, gram: UnsafePointer<Float>, k: Int, stride: Int,
                                 lambda: Float, alpha: Float, observed: ArraySlice<UInt32>, fixed: UnsafePointer<Float>) {
        for i in 0 ..< k { out[i] = Kernels.dot(gram + i * stride, v, stride: stride) }
        Kernels.axpy(lambda, v, out, stride: stride)
        for item in observed {
            let y = fixed + Int(item) * stride
            Kernels.axpy(alpha * Kernels.dot(y, v, stride: stride), y, out, stride: stride)
        }
    }

    /// `steps` CG iterations on the row at `row`, starting from its current value.
    mutating func solve(row: UnsafeMutablePointer<Float>, observed: ArraySlice<UInt32>, fixed: UnsafePointer<Float>, steps: Int) {
        let k = self.k, s = stride, lambda = self.lambda, alpha = self.alpha
        gram.withUnsafeBufferPointer { g in
            x.withUnsafeMutableBufferPointer { x in
                r.withUnsafeMutableBufferPointer { r in
                    p.withUnsafeMutableBufferPointer { p in
                        ap.withUnsafeMutableBufferPointer { ap in
                            let xp = x.baseAddress!, rp = r.baseAddress!, pp = p.baseAddress!, app = ap.baseAddress!
                            for f in 0 ..< s { xp[f] = row[f] }
                            Self.multiply(xp, into: app, gram: g.baseAddress!, k: k, stride: s, lambda: lambda, alpha: alpha, observed: observed, fixed: fixed)
                            // r = b - A x, with b = sum over observed of (1 + alpha) y_i.
                            for f in 0 ..< s { rp[f] = -app[f] }
                            for item in observed { Kernels.axpy(1 + alpha, fixed + Int(item) * s, rp, stride: s) }
                            for f in 0 ..< s { pp[f] = rp[f] }
                            var rs = Kernels.dot(rp, rp, stride: s)
                            for _ in 0 ..< steps {
                                if rs < 1e-20 { break }
                                Self.multiply(pp, into: app, gram: g.baseAddress!, k: k, stride: s, lambda: lambda, alpha: alpha, observed: observed, fixed: fixed)
                                let pap = Kernels.dot(pp, app, stride: s)
                                if pap <= 0 { break }
                                let a = rs / pap
                                Kernels.axpy(a, pp, xp, stride: s)
                                Kernels.axpy(-a, app, rp, stride: s)
                                let next = Kernels.dot(rp, rp, stride: s)
                                let beta = next / rs
                                for f in 0 ..< s { pp[f] = rp[f] + beta * pp[f] }
                                rs = next
                            }
                            for f in 0 ..< k { row[f] = xp[f] }
                        }
                    }
                }
            }
        }
    }
}
