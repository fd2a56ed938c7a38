import CineMeshData
import CineMeshModel

/// Rating-prediction errors over a set of blocks.
public struct PredictionErrors: Sendable, Equatable {
    public var count: Int
    /// sqrt(mean((r - r^)^2)) with r^ clipped to the scale.
    public var rmse: Double
    /// mean(|r - r^|) with r^ clipped to the scale.
    public var mae: Double

    public init(count: Int, rmse: Double, mae: Double) {
        self.count = count
        self.rmse = rmse
        self.mae = mae
    }

    /// Errors of `model` on blocks in its own dense ids.
    public init(model: BiasedFactorModel, blocks: [RatingBlock], scale: RatingScale) {
        self = EvaluationSet(blocks: blocks).errors(of: model, scale: scale)
    }
}
