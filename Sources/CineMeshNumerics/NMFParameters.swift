/// Hyper-parameters of non-negative matrix factorization with Surprise's `NMF` meanings and
/// defaults (Luo et al. 2014's multiplicative updates): 15 factors, 50 epochs, unbiased, factors
/// drawn uniformly from [init_low, init_high), reg_pu = reg_qi = 0.06, and for the biased form
/// reg_bu = reg_bi = 0.02 and lr_bu = lr_bi = 0.005.
public struct NMFParameters: Sendable, Codable, Equatable {
    public var factors = 15
    public var epochs = 50
    /// Learn b_u and b_i by SGD around the global mean (Surprise's `biased`); the biases then
    /// change rating by rating, so the result depends on the order ratings are visited in.
    public var biased = false
    public var regUser = 0.06
    public var regItem = 0.06
    public var regUserBias = 0.02
    public var regItemBias = 0.02
    public var lrUserBias = 0.005
    public var lrItemBias = 0.005
    /// Initial factors are uniform in [initLow, initHigh); Surprise requires initLow >= 0.
    public var initLow: Float = 0
    public var initHigh: Float = 1
    public var seed: UInt64 = 0

    public init() {}
}
