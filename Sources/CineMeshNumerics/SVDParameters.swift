/// Hyper-parameters of biased matrix factorization trained by SGD, with Surprise's `SVD` names,
/// meanings and defaults, so results compare like for like. The per-parameter learning rates and
/// regularizations default to the `all` values, as in Surprise.
public struct SVDParameters: Sendable, Codable, Equatable {
    public var factors = 100
    public var epochs = 20
    public var learningRate: Float = 0.005
    public var regularization: Float = 0.02
    public var initMean: Float = 0
    public var initStd: Float = 0.1
    /// Learning rates of b_u, b_i, p_u, q_i (nil: `learningRate`).
    public var learningRateBias: Float?
    public var learningRateFactors: Float?
    /// Regularization of the biases and of the factors (nil: `regularization`).
    public var regularizationBias: Float?
    public var regularizationFactors: Float?
    /// Multiply the learning rates by this after every epoch (1: constant, as Surprise).
    public var learningRateDecay: Float = 1
    /// Whether to learn b_u and b_i (Surprise's `biased`).
    public var biased = true
    public var seed: UInt64 = 0
    /// Stop when the held-out RMSE has not improved for this many epochs, and return the model of
    /// the best epoch (nil: run every epoch).
    public var earlyStoppingPatience: Int?

    public init() {}

    var lrBias: Float { learningRateBias ?? learningRate }
    var lrFactors: Float { learningRateFactors ?? learningRate }
    var regBias: Float { regularizationBias ?? regularization }
    var regFactors: Float { regularizationFactors ?? regularization }
}
