import CineMeshModel

/// The trainers' row updates, in the same `SIMD8<Float>` steps as the model's dot products.
extension Kernels {
    /// The simultaneous SGD step on two rows (both read before either is written):
    /// p += lrP (err q - regP p), q += lrQ (err p - regQ q).
    @inline(__always)
    static func sgdStep(_ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, stride: Int,
                        err: Float, lrP: Float, regP: Float, lrQ: Float, regQ: Float) {
        let e = SIMD8<Float>(repeating: err)
        let lp = SIMD8<Float>(repeating: lrP), rp = SIMD8<Float>(repeating: regP)
        let lq = SIMD8<Float>(repeating: lrQ), rq = SIMD8<Float>(repeating: regQ)
        var f = 0
        while f < stride {
            let pf = load(p + f), qf = load(q + f)
            store(pf + lp * (e * qf - rp * pf), p + f)
            store(qf + lq * (e * pf - rq * qf), q + f)
            f += 8
        }
    }

    /// y += a x over one padded row.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, stride: Int) {
        let av = SIMD8<Float>(repeating: a)
        var f = 0
        while f < stride {
            store(load(y + f) + av * load(x + f), y + f)
            f += 8
        }
    }
}
