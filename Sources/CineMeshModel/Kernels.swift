/// Inner loops over padded factor rows (`stride` a multiple of 8), in `SIMD8<Float>` steps with
/// `acc += a * b` (a fused multiply-add would be a slow software call on the default x86-64 target).
/// Inlinable: the trainers' and the gateway's hot loops call them across modules.
public enum Kernels {
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// p . q over one padded row.
    @inlinable @inline(__always)
    public static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, stride: Int) -> Float {
        var acc = SIMD8<Float>()
        var f = 0
        while f < stride {
            acc += load(p + f) * load(q + f)
            f += 8
        }
        return acc.sum()
    }

    /// Four dot products p_j . q_j, each summed in exactly `dot`'s order (so each is the same
    /// bits as `dot` gives), interleaved so the four chains of dependent adds overlap instead of
    /// waiting on each other: about three times `dot`'s throughput where one chain is
    /// latency-bound (scoring a held-out set).
    @inlinable @inline(__always)
    public static func dot4(_ p: SIMD4<UInt>, _ q: SIMD4<UInt>, stride: Int) -> SIMD4<Float> {
        func at(_ address: UInt, _ f: Int) -> SIMD8<Float> {
            UnsafeRawPointer(bitPattern: address)!.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var f = 0
        while f < stride {
            a0 += at(p[0], f) * at(q[0], f)
            a1 += at(p[1], f) * at(q[1], f)
            a2 += at(p[2], f) * at(q[2], f)
            a3 += at(p[3], f) * at(q[3], f)
            f += 8
        }
        return SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    }
}
