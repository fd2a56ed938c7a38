/// Hyper-parameters of explicit ALS with weighted-lambda regularization (Zhou et al. 2008): the
/// system of a user (item) with n ratings gets `regularization * n` added to its diagonal.
public struct ALSParameters: Sendable, Codable, Equatable {
    public var factors = 20
    public var iterations = 10
    public var regularization = 0.1
    /// Learn b_u and b_i (solved with the factors as one more coordinate) around the global mean;
    /// without biases the model is plain p_u . q_i with no mean.
    public var biased = true
    /// lambda of the bias coordinate, also weighted by the row's count (nil: `regularization`).
    public var biasRegularization: Double?
    public var initStd: Float = 0.1
    public var seed: UInt64 = 0
    /// Stop when the held-out RMSE has not improved for this many epochs, and return the model of
    /// the best epoch (nil: run every epoch).
    public var earlyStoppingPatience: Int?

    public init() {}
}
