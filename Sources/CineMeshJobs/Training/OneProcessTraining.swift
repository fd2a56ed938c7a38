import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// Training in this process, as `cinemesh train` runs it without a cluster: the spec's split of a
/// dataset (or its test dataset), the trainer the spec names (`TrainSpec.fit`), the held-out
/// evaluation, and the model file to save or publish. The command prints; this computes.
public struct OneProcessTraining {
    public let spec: TrainSpec
    public let dataset: Dataset
    /// The training ratings and the held-out ones.
    public let train: [RatingBlock]
    public let evaluation: EvaluationSet

    /// Splits `dataset` as `spec` says; a test dataset is a path, or a name in `datasetsDirectory`.
    public init(spec: TrainSpec, dataset: Dataset, datasetsDirectory: String) throws {
        self.spec = spec
        self.dataset = dataset
        (train, evaluation) = try spec.trainingData(dataset, context: JobContext(modelsDirectory: "", datasetsDirectory: datasetsDirectory))
    }

    /// Ratings trained on.
    public var trainCount: Int { train.reduce(0) { $0 + $1.count } }

    /// Trains the spec's algorithm, scoring the held-out ratings after each epoch.
    public func fit(progress: TrainingProgress = TrainingProgress()) throws -> BiasedFactorModel {
        try spec.fit(train, grid: dataset.grid, users: dataset.manifest.users, items: dataset.manifest.items, test: evaluation,
                     scale: dataset.manifest.ratingScale, progress: progress)
    }

    /// How a trained model does on the held-out ratings.
    public struct Evaluation {
        /// RMSE and MAE of predicted ratings (not for als-implicit, whose scores are preferences).
        public var errors: PredictionErrors?
        /// "Will like" as a classifier: a held-out rating at or above the threshold is a like.
        public var like: LikeClassification?
        /// Top-k lists against each user's held-out likes.
        public var ranking: RankingMetrics?
        /// The figures the model file records: rmse, mae, auc, f1, precision@k, ndcg@k.
        public var metrics: [String: Double] = [:]
    }

    /// The held-out evaluation of `model` (empty when nothing is held out).
    public func evaluate(_ model: BiasedFactorModel, likeThreshold: Float, topK: Int, rankingUsers: Int) -> Evaluation {
        var out = Evaluation()
        guard evaluation.count > 0 else { return out }
        let scale = dataset.manifest.ratingScale
        if spec.predictsRatings {
            let errors = evaluation.errors(of: model, scale: scale)
            let like = LikeClassification(ratings: evaluation.ratings, predictions: evaluation.predictions(of: model, scale: scale), threshold: likeThreshold)
            out.errors = errors
            out.like = like
            out.metrics = ["rmse": errors.rmse, "mae": errors.mae, "auc": like.auc, "f1": like.f1]
        }
        let ranking = RankingMetrics(model: model, train: train, test: evaluation, threshold: likeThreshold, k: topK, maxUsers: rankingUsers)
        out.ranking = ranking
        out.metrics["precision@\(topK)"] = ranking.precision
        out.metrics["ndcg@\(topK)"] = ranking.ndcg
        return out
    }

    /// The model file: the spec's parameters, the epochs' reports and the evaluation's metrics,
    /// the dataset's id maps and catalog, and every rating of the dataset as seen.
    public func modelFile(_ model: BiasedFactorModel, reports: [EpochReport], metrics: [String: Double]) throws -> ModelFile {
        let m = dataset.manifest
        let metadata = ModelFile.Metadata(algorithm: spec.algorithm.rawValue, hyperparameters: spec.hyperparameters, epochs: reports,
                                          metrics: metrics, dataset: m.name, datasetContentHash: m.contentHash, ratingScale: m.ratingScale)
        return ModelFile(metadata: metadata, model: model, users: dataset.users, items: dataset.items, catalog: dataset.catalog,
                         seen: try ModelFile.seenRatings(train: train, dataset: dataset))
    }
}

extension OneProcessTraining {
    /// Trains the spec's neighbourhood model (item-knn, user-knn).
    public func fitNeighborhood() -> KNNModel {
        KNNTrainer(parameters: spec.knn).fit(train, users: dataset.manifest.users, items: dataset.manifest.items)
    }

    /// The held-out evaluation of a neighbourhood model, as `evaluate(_:...)` for a factor model.
    public func evaluate(_ model: KNNModel, likeThreshold: Float, topK: Int, rankingUsers: Int) -> Evaluation {
        var out = Evaluation()
        guard evaluation.count > 0 else { return out }
        let scale = dataset.manifest.ratingScale
        let errors = evaluation.errors(of: model, scale: scale)
        let like = LikeClassification(ratings: evaluation.ratings, predictions: evaluation.predictions(of: model, scale: scale), threshold: likeThreshold)
        let ranking = RankingMetrics(model: model, train: train, test: evaluation, threshold: likeThreshold, k: topK, maxUsers: rankingUsers)
        out.errors = errors
        out.like = like
        out.ranking = ranking
        out.metrics = ["rmse": errors.rmse, "mae": errors.mae, "auc": like.auc, "f1": like.f1,
                       "precision@\(topK)": ranking.precision, "ndcg@\(topK)": ranking.ndcg]
        return out
    }
}
