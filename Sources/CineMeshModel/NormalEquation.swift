/// The least-squares system of one user (or item) in ALS: A = sum of w x x^T and b = sum of w r x
/// over the rows x of the other side it rated, accumulated in Double. Partial sums from several
/// blocks or workers `merge` (Spark's `NormalEquation.merge`); `solve` adds the regularization to
/// the diagonal and solves A p = b by Cholesky. Only the upper triangle of A is accumulated.
public struct NormalEquation: Sendable {
    public let size: Int
    /// size x size, row-major; the upper triangle (j >= i) is meaningful.
    public private(set) var a: [Double]
    public private(set) var b: [Double]
    /// Number of ratings added (for weighted-lambda regularization).
    public private(set) var count: Int = 0

    public init(size: Int) {
        self.size = size
        a = [Double](repeating: 0, count: size * size)
        b = [Double](repeating: 0, count: size)
    }

    /// Clears to zero, keeping the storage.
    public mutating func reset() {
        for i in a.indices { a[i] = 0 }
        for i in b.indices { b[i] = 0 }
        count = 0
    }

    /// A += weight x x^T, b += weight target x, for the `size` floats at `x`.
    @inline(__always)
    public mutating func add(_ x: UnsafePointer<Float>, target: Double, weight: Double = 1) {
        let k = size
        a.withUnsafeMutableBufferPointer { m in
            b.withUnsafeMutableBufferPointer { v in
                for i in 0 ..< k {
                    let wxi = weight * Double(x[i])
                    v[i] += wxi * target
                    let row = m.baseAddress! + i * k
                    for j in i ..< k { row[j] += wxi * Double(x[j]) }
                }
            }
        }
        count += 1
    }

    /// Adds another partial sum of the same size.
    public mutating func merge(_ other: NormalEquation) {
        precondition(other.size == size)
        for i in a.indices { a[i] += other.a[i] }
        for i in b.indices { b[i] += other.b[i] }
        count += other.count
    }

    /// Solves (A + diag(lambda)) p = b into `out` (size floats). `lambda[i]` is added to A[i][i].
    /// Returns false when the system is not positive definite (e.g. no ratings and no
    /// regularization), leaving `out` untouched.
    public func solve(lambda: [Double], into out: UnsafeMutablePointer<Float>) -> Bool {
        var m = a
        for i in 0 ..< size { m[i * size + i] += lambda[i] }
        var x = b
        guard Cholesky.solveInPlace(&m, &x, size: size) else { return false }
        for i in 0 ..< size { out[i] = Float(x[i]) }
        return true
    }
}
