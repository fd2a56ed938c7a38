/// Hyper-parameters of implicit-feedback ALS (Hu, Koren, Volinsky 2008) with conjugate-gradient
/// row updates (Takacs et al. 2011), named as in the `implicit` library where they coincide.
public struct ImplicitALSParameters: Sendable, Codable, Equatable {
    public var factors = 64
    public var iterations = 15
    /// lambda added to every row's system (not weighted by the row's count).
    public var regularization = 0.05
    /// Confidence of an observed interaction: 1 + alpha (Hu et al.; the `implicit` library's
    /// `alpha` means a confidence of alpha, so its alpha 40 is our 39).
    public var alpha = 40.0
    /// Ratings at or above this are the observed (positive) interactions.
    public var positiveThreshold: Float = 4
    /// Conjugate-gradient steps per row and half-iteration, starting from the row's current value.
    public var cgSteps = 3
    /// Initial factors are uniform in [0, initScale), as the `implicit` library initializes them
    /// (a zero-mean normal start ranked about 1% worse on ML-100K).
    public var initScale: Float = 0.01
    public var seed: UInt64 = 0

    public init() {}
}
