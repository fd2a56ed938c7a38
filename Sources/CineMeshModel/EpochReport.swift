/// What one training epoch measured.
public struct EpochReport: Sendable, Equatable, Codable {
    public var epoch: Int
    /// RMSE of the errors seen during the sweep, before each update (LibMF's training RMSE).
    public var trainRMSE: Double
    /// RMSE on the held-out ratings after the epoch, predictions clipped to the scale.
    public var testRMSE: Double?
    /// Time of the epoch's SGD sweeps (the held-out evaluation is not included).
    public var seconds: Double
    /// Time spent scoring the held-out ratings after the epoch.
    public var evaluationSeconds: Double

    public init(epoch: Int, trainRMSE: Double, testRMSE: Double?, seconds: Double, evaluationSeconds: Double) {
        self.epoch = epoch
        self.trainRMSE = trainRMSE
        self.testRMSE = testRMSE
        self.seconds = seconds
        self.evaluationSeconds = evaluationSeconds
    }
}
