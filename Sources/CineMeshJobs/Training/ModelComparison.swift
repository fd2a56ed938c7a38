import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// Several algorithms trained in this process on one split of one dataset, each with its
/// defaults, and scored on the same held-out ratings: what `cinemesh compare` prints.
public struct ModelComparison {
    /// One algorithm's figures.
    public struct Row: Codable, Sendable, Equatable {
        public var algorithm: String
        /// RMSE and MAE (nil for als-implicit, whose scores are preferences, not ratings).
        public var rmse: Double?
        public var mae: Double?
        public var precision: Double
        public var recall: Double
        public var ndcg: Double
        public var map: Double
        public var hitRate: Double
        /// Share of the catalog that appears in some evaluated user's list.
        public var coverage: Double
        /// Users whose top-k lists were scored.
        public var rankedUsers: Int
        public var fitSeconds: Double
    }

    public let dataset: Dataset
    public let split: SplitSpec
    public let splitSeed: UInt64
    public let test: String?
    public var likeThreshold: Float = 4
    public var topK = 10
    public var rankingUsers = 5000

    public init(dataset: Dataset, split: SplitSpec, splitSeed: UInt64, test: String?) {
        self.dataset = dataset
        self.split = split
        self.splitSeed = splitSeed
        self.test = test
    }

    /// Trains and scores `algorithm` with its defaults; `datasetsDirectory` resolves a test
    /// dataset's name.
    public func row(_ algorithm: TrainSpec.Algorithm, datasetsDirectory: String) throws -> Row {
        var settings = TrainSpec.Settings()
        settings.algorithm = algorithm
        if let test { settings.test = test } else { settings.split = split }
        settings.splitSeed = splitSeed
        let run = try OneProcessTraining(spec: try TrainSpec(settings), dataset: dataset, datasetsDirectory: datasetsDirectory)
        guard run.evaluation.count > 0 else { throw JobError("compare: the split holds nothing out to score") }
        let started = MonotonicClock.milliseconds()
        let evaluation: OneProcessTraining.Evaluation
        let fitSeconds: Double
        if algorithm.isNeighborhood {
            let model = try run.fitNeighborhood()
            fitSeconds = Double(MonotonicClock.milliseconds() - started) / 1000
            evaluation = run.evaluate(model, likeThreshold: likeThreshold, topK: topK, rankingUsers: rankingUsers)
        } else {
            let model = try run.fit()
            fitSeconds = Double(MonotonicClock.milliseconds() - started) / 1000
            evaluation = run.evaluate(model, likeThreshold: likeThreshold, topK: topK, rankingUsers: rankingUsers)
        }
        let ranking = evaluation.ranking ?? RankingMetrics(recommendations: [], relevant: [], k: topK, catalogSize: dataset.manifest.items)
        return Row(algorithm: algorithm.rawValue, rmse: evaluation.errors?.rmse, mae: evaluation.errors?.mae, precision: ranking.precision,
                   recall: ranking.recall, ndcg: ranking.ndcg, map: ranking.map, hitRate: ranking.hitRate, coverage: ranking.coverage,
                   rankedUsers: ranking.users, fitSeconds: fitSeconds)
    }
}
