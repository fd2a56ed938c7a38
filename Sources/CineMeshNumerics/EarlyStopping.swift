import CineMeshModel

/// Early stopping on the held-out RMSE: remembers the best model so far and says when the RMSE has
/// not improved for `patience` epochs in a row. Without a patience or a held-out set it never stops.
public struct EarlyStopping: Sendable {
    public let patience: Int?
    public private(set) var best: BiasedFactorModel?
    private var bestRMSE = Double.infinity
    private var sinceBest = 0

    public init(patience: Int?) { self.patience = patience }

    /// Early stopping as a checkpoint left it: what it had seen (`progress`) and, for a trainer
    /// that keeps it here (`shouldStop(after:testRMSE:)`), the best model.
    public init(patience: Int?, progress: (bestRMSE: Double, sinceBest: Int), best: BiasedFactorModel?) {
        self.patience = patience
        bestRMSE = progress.bestRMSE
        sinceBest = progress.sinceBest
        self.best = best
    }

    /// What it has seen: the best held-out RMSE so far (infinity before one) and the epochs since.
    public var progress: (bestRMSE: Double, sinceBest: Int) { (bestRMSE, sinceBest) }

    /// Whether it has said stop: the last `patience` epochs did not improve on the best.
    public var hasStopped: Bool { patience.map { sinceBest >= $0 } ?? false }

    public mutating func shouldStop(after model: BiasedFactorModel, testRMSE: Double?) -> Bool {
        let verdict = observe(testRMSE: testRMSE)
        if verdict.improved { best = model }
        return verdict.stop
    }

    /// What one epoch's held-out RMSE means, for a trainer that gets hold of the epoch's model
    /// only later (distributed training, where the rows are on the workers): whether the epoch is
    /// the best so far (its model is the one to keep), and whether training stops now.
    public mutating func observe(testRMSE: Double?) -> (improved: Bool, stop: Bool) {
        guard let patience, let rmse = testRMSE else { return (false, false) }
        if rmse < bestRMSE {
            bestRMSE = rmse
            sinceBest = 0
            return (true, false)
        }
        sinceBest += 1
        return (false, sinceBest >= patience)
    }
}
