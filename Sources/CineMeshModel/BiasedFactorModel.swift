import CineMeshData

/// rating(u, i) = mean + b_u + b_i + q_i . p_u: the model SVD trains (and, without factors, the
/// baseline). Indices are the dataset's dense indices.
public struct BiasedFactorModel: Sendable, Equatable {
    public var globalMean: Float
    public var userBias: [Float]
    public var itemBias: [Float]
    public var users: FactorMatrix
    public var items: FactorMatrix

    public init(globalMean: Float, users: FactorMatrix, items: FactorMatrix) {
        self.globalMean = globalMean
        userBias = [Float](repeating: 0, count: users.rows)
        itemBias = [Float](repeating: 0, count: items.rows)
        self.users = users
        self.items = items
    }

    /// The unclipped score of user `u` for item `i`.
    @inline(__always)
    public func score(user u: Int, item i: Int) -> Float {
        var dot: Float = 0
        let s = users.stride
        users.values.withUnsafeBufferPointer { p in
            items.values.withUnsafeBufferPointer { q in
                dot = Kernels.dot(p.baseAddress! + u * s, q.baseAddress! + i * s, stride: s)
            }
        }
        return globalMean + userBias[u] + itemBias[i] + dot
    }

    /// The prediction clipped to the scale, as Surprise's `predict` does by default.
    public func predict(user u: Int, item i: Int, scale: RatingScale) -> Float {
        min(Float(scale.max), max(Float(scale.min), score(user: u, item: i)))
    }
}
