/// Early stopping on the held-out RMSE: remembers the best model so far and says when the RMSE has
/// not improved for `patience` epochs in a row. Without a patience or a held-out set it never stops.
public struct EarlyStopping: Sendable {
    public let patience: Int?
    public private(set) var best: BiasedFactorModel?
    private var bestRMSE = Double.infinity
    private var sinceBest = 0

    public init(patience: Int?) { self.patience = patience }

    public mutating func shouldStop(after model: BiasedFactorModel, testRMSE: Double?) -> Bool {
        guard let patience, let rmse = testRMSE else { return false }
        if rmse < bestRMSE {
            bestRMSE = rmse
            best = model
            sinceBest = 0
            return false
        }
        sinceBest += 1
        return sinceBest >= patience
    }
}
