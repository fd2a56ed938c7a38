/// What one Newton step of logistic regression needs from a set of rows, at the current
/// weights: the log loss, its gradient and its Hessian (X^T W X), in Double. Sums of disjoint
/// row sets add (`merge`), the way `NormalEquation` merges ALS's: workers sum their shards and
/// the coordinator merges them in block order, so the step is the same bits for any worker count.
///
/// The parameters are the feature weights then the intercept (dimension = features + 1).
public struct LogisticSums: Sendable, Equatable {
    public let dimension: Int
    public private(set) var loss: Double = 0
    public private(set) var gradient: [Double]
    /// The upper triangle is kept (row-major, dimension x dimension), as `Cholesky` reads it.
    public private(set) var hessian: [Double]
    public private(set) var rows = 0

    public init(dimension: Int) {
        self.dimension = dimension
        gradient = [Double](repeating: 0, count: dimension)
        hessian = [Double](repeating: 0, count: dimension * dimension)
    }

    /// Adds a row: its features, its label (0 or 1) and the current parameters.
    @inline(__always)
    public mutating func add(_ x: ArraySlice<Float>, label: UInt8, parameters w: [Double]) {
        let d = dimension, base = x.startIndex
        var z = w[d - 1]
        for f in 0 ..< d - 1 { z += w[f] * Double(x[base + f]) }
        let p = LogisticRegression.sigmoid(z)
        // -log p(label): softplus(-z) for a 1, softplus(z) for a 0, without overflow.
        loss += label == 1 ? LogisticRegression.softplus(-z) : LogisticRegression.softplus(z)
        let residual = p - Double(label), weight = p * (1 - p)
        for f in 0 ..< d {
            let xf = f == d - 1 ? 1 : Double(x[base + f])
            gradient[f] += residual * xf
            let wxf = weight * xf
            for g in f ..< d {
                let xg = g == d - 1 ? 1 : Double(x[base + g])
                hessian[f * d + g] += wxf * xg
            }
        }
        rows += 1
    }

    /// Adds another set of rows' sums.
    public mutating func merge(_ other: LogisticSums) {
        precondition(other.dimension == dimension)
        loss += other.loss
        for k in 0 ..< dimension { gradient[k] += other.gradient[k] }
        for k in 0 ..< hessian.count { hessian[k] += other.hessian[k] }
        rows += other.rows
    }
}
