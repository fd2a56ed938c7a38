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
        guard evaluation.count > 0 else { return Evaluation() }
        let scale = dataset.manifest.ratingScale
        let rated = spec.predictsRatings ? (evaluation.errors(of: model, scale: scale), evaluation.predictions(of: model, scale: scale)) : nil
        return evaluated(rated, RankingMetrics(model: model, train: train, test: evaluation, threshold: likeThreshold, k: topK, maxUsers: rankingUsers),
                         likeThreshold: likeThreshold, topK: topK)
    }

    /// An evaluation from the held-out errors and clipped predictions (nil for a model that
    /// scores preferences) and the top-k lists' figures.
    private func evaluated(_ rated: (errors: PredictionErrors, predictions: [Float])?, _ ranking: RankingMetrics, likeThreshold: Float,
                           topK: Int) -> Evaluation {
        var out = Evaluation()
        if let rated {
            let like = LikeClassification(ratings: evaluation.ratings, predictions: rated.predictions, threshold: likeThreshold)
            out.errors = rated.errors
            out.like = like
            out.metrics = ["rmse": rated.errors.rmse, "mae": rated.errors.mae, "auc": like.auc, "f1": like.f1]
        }
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
    /// Trains the spec's neighbourhood model: item-knn and user-knn from the ratings; content from
    /// the catalog's (and tags') cosine neighbours, predicting by the spec's rule over them.
    public func fitNeighborhood() throws -> KNNModel {
        let m = dataset.manifest
        if let refusal = spec.knn.refusal(count: spec.knn.userBased ? m.users : m.items) { throw JobError("train: " + refusal) }
        guard spec.algorithm == .content else { return KNNTrainer(parameters: spec.knn).fit(train, users: m.users, items: m.items) }
        guard let catalog = dataset.catalog else { throw JobError("train: content needs the dataset's catalog of titles, and \(m.name) has none") }
        var parameters = ContentParameters()
        parameters.k = spec.knn.neighbors
        let fit = try ContentTrainer(parameters: parameters).fit(catalog: catalog, tags: dataset.tags, file: m.name + "/catalog.table")
        let lists = NeighborLists(catalogNeighbors: fit.neighbors, catalogRows: dataset.catalogRows())
        let baselines = spec.knn.needsBaselines ? spec.knn.baseline.fit(train, users: m.users, items: m.items) : nil
        return KNNTrainer.model(spec.knn, train: train, users: m.users, items: m.items, baselines: baselines, neighbors: lists)
    }

    /// The held-out evaluation of a neighbourhood model, as `evaluate(_:...)` for a factor model.
    public func evaluate(_ model: KNNModel, likeThreshold: Float, topK: Int, rankingUsers: Int) -> Evaluation {
        guard evaluation.count > 0 else { return Evaluation() }
        let predictions = evaluation.predictions(of: model, scale: dataset.manifest.ratingScale)
        return evaluated((evaluation.errors(predictions: predictions), predictions),
                         RankingMetrics(model: model, train: train, test: evaluation, threshold: likeThreshold, k: topK, maxUsers: rankingUsers),
                         likeThreshold: likeThreshold, topK: topK)
    }
}
