import CineMeshData

/// A rows x factors matrix of Float, row-major and contiguous, each row padded with zeros to a
/// multiple of 8 floats so kernels can work in `SIMD8<Float>` steps. The padding stays zero under
/// every update CineMesh makes (its gradient is zero), so it never changes a result.
public struct FactorMatrix: Sendable, Equatable {
    public let rows: Int
    public let factors: Int
    /// Floats per row in `values` (factors rounded up to a multiple of `strideMultiple`).
    public let stride: Int
    /// What every stride is a multiple of: the kernels read and write rows in steps of 8 floats.
    public static let strideMultiple = 8
    /// The widest stride a row may have: 1024 factors, the most a training job takes.
    public static let maxStride = 1024

    /// Whether rows of `stride` floats are ones the kernels can step through, and small enough
    /// that no size computed from them overflows (for a stride named in a task, say).
    public static func isValidStride(_ stride: Int) -> Bool {
        (1 ... maxStride).contains(stride) && stride % strideMultiple == 0
    }
    public var values: [Float]

    public init(rows: Int, factors: Int) {
        self.rows = rows
        self.factors = factors
        stride = (factors + Self.strideMultiple - 1) / Self.strideMultiple * Self.strideMultiple
        values = [Float](repeating: 0, count: rows * stride)
    }

    /// Entries drawn from normal(mean, std). Row `r` uses its own random stream derived from
    /// (seed, salt, r), so a row's initial values do not depend on how many rows there are, on the
    /// grid, or on which worker initializes it.
    public static func normal(rows: Int, factors: Int, mean: Float, std: Float, seed: UInt64, salt: UInt64) -> FactorMatrix {
        var m = FactorMatrix(rows: rows, factors: factors)
        let stride = m.stride
        m.values.withUnsafeMutableBufferPointer { v in
            for r in 0 ..< rows {
                var rng = SeededRandom(seed: seed ^ (salt &* 0x9E37_79B9_7F4A_7C15), stream: UInt64(r))
                for f in 0 ..< factors { v[r * stride + f] = mean + std * Float(rng.normal()) }
            }
        }
        return m
    }

    /// Entries drawn uniformly from [0, scale), each row from its own stream like `normal`.
    public static func uniform(rows: Int, factors: Int, scale: Float, seed: UInt64, salt: UInt64) -> FactorMatrix {
        var m = FactorMatrix(rows: rows, factors: factors)
        let stride = m.stride
        m.values.withUnsafeMutableBufferPointer { v in
            for r in 0 ..< rows {
                var rng = SeededRandom(seed: seed ^ (salt &* 0x9E37_79B9_7F4A_7C15), stream: UInt64(r))
                for f in 0 ..< factors { v[r * stride + f] = scale * Float(rng.uniform()) }
            }
        }
        return m
    }

    /// x . (row r), x a padded row of `stride` floats: the very sum `BiasedFactorModel.score` takes.
    public func dot(_ x: UnsafePointer<Float>, row r: Int) -> Float {
        guard stride > 0 else { return 0 }
        return values.withUnsafeBufferPointer { Kernels.dot(x, $0.baseAddress! + r * stride, stride: stride) }
    }

    /// Factor `f` of row `r`.
    public subscript(r: Int, f: Int) -> Float {
        get { values[r * stride + f] }
        set { values[r * stride + f] = newValue }
    }
}
