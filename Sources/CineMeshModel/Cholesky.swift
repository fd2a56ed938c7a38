/// Dense symmetric positive definite solves for the small systems of ALS (k up to a few hundred).
public enum Cholesky {
    /// Solves M x = v for SPD M given by its upper triangle (row-major, size x size). M is
    /// overwritten by its factor U (M = U^T U) and v by x. Returns false if M is not positive
    /// definite (a pivot <= 0 or not finite).
    public static func solveInPlace(_ m: inout [Double], _ v: inout [Double], size k: Int) -> Bool {
        m.withUnsafeMutableBufferPointer { mp in
            v.withUnsafeMutableBufferPointer { vp in
                let u = mp.baseAddress!
                // Factor: row i of U from the rows above it.
                for i in 0 ..< k {
                    var d = u[i * k + i]
                    for p in 0 ..< i { d -= u[p * k + i] * u[p * k + i] }
                    guard d > 0, d.isFinite else { return false }
                    let pivot = d.squareRoot()
                    u[i * k + i] = pivot
                    let inv = 1 / pivot
                    for j in i + 1 ..< k {
                        var s = u[i * k + j]
                        for p in 0 ..< i { s -= u[p * k + i] * u[p * k + j] }
                        u[i * k + j] = s * inv
                    }
                }
                // U^T y = v (forward), then U x = y (backward).
                for i in 0 ..< k {
                    var s = vp[i]
                    for p in 0 ..< i { s -= u[p * k + i] * vp[p] }
                    vp[i] = s / u[i * k + i]
                }
                for i in stride(from: k - 1, through: 0, by: -1) {
                    var s = vp[i]
                    for j in i + 1 ..< k { s -= u[i * k + j] * vp[j] }
                    vp[i] = s / u[i * k + i]
                }
                return true
            }
        }
    }
}
