import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshStore
import Foundation

/// The `train` job's result.
public struct TrainingResult: Codable, Sendable, Equatable {
    public var algorithm: String
    /// The published model's version; nil when `promotion` refused it.
    public var modelVersion: Int?
    /// The name the model was (or, when refused, would have been) published under (nil in
    /// records written before models had names).
    public var modelName: String?
    /// The published model file, on the coordinator's box (nil when refused).
    public var modelFile: String?
    public var modelXXH64: String?
    /// The model file's size (nil in records written before clients downloaded models).
    public var modelBytes: UInt64?
    public var metrics: [String: Double]
    /// Per epoch (iteration): training and held-out RMSE where they apply, and timings.
    public var epochs: [EpochReport]
    public var trainRatings: Int
    public var testRatings: Int
    public var stoppedEarly: Bool
    /// Per epoch, where the time went (svd): empty for the other algorithms.
    public var costs: [EpochCost]
    /// The dataset version trained on and its content hash (nil in records written before
    /// datasets had versions).
    public var datasetVersion: Int?
    public var datasetContentHash: String?
    /// What the submitter appended to the dataset before the run (the `appended` parameter).
    public var appended: String?
    /// The `promote_if_better` decision, when the job had one.
    public var promotion: PromotionDecision?

    /// Where one epoch's time went on the workers (svd on the cluster).
    public struct EpochCost: Codable, Sendable, Equatable {
        /// From the end of the epoch before (or the start) to the epoch's last block merged.
        public var seconds: Double
        /// SGD kernel wall time summed over the epoch's blocks.
        public var kernelSeconds: Double
        /// Worker sessions that ran the epoch's blocks.
        public var workers: Int
        /// Time the job's driver spent on the coordinator's loop for the epoch's tasks.
        public var coordinatorSeconds: Double
        /// Bytes of factor rows the epoch's tasks carried to and from workers (nil in records
        /// written before it was measured; so for the fields below).
        public var factorBytes: Int?
        /// SGD kernel CPU time summed over the epoch's blocks: below `kernelSeconds` by the time
        /// other threads (messaging, the coordinator) had the kernels' cores.
        public var kernelCPUSeconds: Double?
        /// CPU time of the epoch's held-out scoring, summed over workers (it runs beside the
        /// blocks, on a thread of lowest priority).
        public var scoringSeconds: Double?
        /// Time of the epoch's block and collect tasks from start to end, summed (kernels, frames
        /// copied in and out, snapshots).
        public var taskSeconds: Double?

        public init(seconds: Double, kernelSeconds: Double, workers: Int, coordinatorSeconds: Double, factorBytes: Int? = nil) {
            self.seconds = seconds
            self.kernelSeconds = kernelSeconds
            self.workers = workers
            self.coordinatorSeconds = coordinatorSeconds
            self.factorBytes = factorBytes
        }

        /// The workers' time over the epoch (seconds x workers).
        private var capacity: Double { seconds * Double(workers) }

        /// Shares of the workers' time over the epoch: computing SGD updates (kernel CPU time),
        /// scoring the held-out set, and the rest, which is messaging: waiting for rows to arrive,
        /// copying them in and out of frames, and cores taken by the messaging threads and the
        /// coordinator while kernels ran.
        public var sgdShare: Double { capacity > 0 ? min(1, (kernelCPUSeconds ?? kernelSeconds) / capacity) : 0 }
        public var scoringShare: Double { capacity > 0 ? min(1 - sgdShare, (scoringSeconds ?? 0) / capacity) : 0 }
        public var messagingShare: Double { capacity > 0 ? max(0, 1 - sgdShare - scoringShare) : 0 }

    }

    /// Writes the model into the coordinator's model store, unless `spec.promoteIfBetter` finds
    /// it worse than the serving model, and makes the job's outcome. The file holds the per-epoch
    /// metrics without timings (they differ run to run), so it is the same bytes however many
    /// workers trained it. With `positiveThreshold` (als-implicit, whose scores are preferences)
    /// the held-out ratings are ranked instead of scored.
    static func publish(algorithm: String, hyperparameters: ModelFile.Metadata.Hyperparameters, model: BiasedFactorModel,
                        reports: [EpochReport], evaluation: EvaluationSet, train: [RatingBlock], dataset: Dataset,
                        context: JobContext, stoppedEarly: Bool, spec: TrainSpec, positiveThreshold: Float? = nil, costs: [EpochCost] = []) throws -> JobOutcome {
        let scale = dataset.manifest.ratingScale
        let ratingMetrics = positiveThreshold == nil
        func heldOut(_ model: BiasedFactorModel) -> [String: Double] {
            guard evaluation.count > 0 else { return [:] }
            guard let positiveThreshold else {
                let errors = evaluation.errors(of: model, scale: scale)
                return ["rmse": errors.rmse, "mae": errors.mae]
            }
            // Scores are preferences: rank instead, as `cinemesh train` does in one process.
            let ranking = RankingMetrics(model: model, train: train, test: evaluation, threshold: positiveThreshold, k: 10, maxUsers: 5000)
            return ["precision@10": ranking.precision, "ndcg@10": ranking.ndcg, "recall@10": ranking.recall, "map@10": ranking.map]
        }
        let metrics = heldOut(model)
        let timeless = reports.map { EpochReport(epoch: $0.epoch, trainRMSE: $0.trainRMSE, testRMSE: $0.testRMSE, seconds: 0, evaluationSeconds: 0) }
        let metadata = ModelFile.Metadata(algorithm: algorithm, hyperparameters: hyperparameters, epochs: ratingMetrics ? timeless : [],
                                          metrics: metrics, dataset: dataset.manifest.name,
                                          datasetContentHash: dataset.manifest.contentHash, ratingScale: scale)
        let store = try ModelStore(directory: context.modelsDirectory)
        let name = spec.name ?? ModelStore.defaultName(metadata)
        let promotion = try spec.promoteIfBetter.map {
            try $0.decide(candidate: metrics, name: name, store: store, users: dataset.users, items: dataset.items, score: heldOut)
        }
        var result = TrainingResult(algorithm: algorithm, modelVersion: nil, modelName: name, modelFile: nil, modelXXH64: nil,
                                    modelBytes: nil, metrics: metrics, epochs: reports, trainRatings: train.reduce(0) { $0 + $1.count },
                                    testRatings: evaluation.count, stoppedEarly: stoppedEarly, costs: costs,
                                    datasetVersion: dataset.manifest.datasetVersion, datasetContentHash: dataset.manifest.contentHash,
                                    appended: spec.appended, promotion: promotion)
        var record: ModelRecord?
        if promotion?.promoted ?? true {
            let file = ModelFile(metadata: metadata, model: model, users: dataset.users, items: dataset.items, catalog: dataset.catalog,
                                 seen: try ModelFile.seenRatings(train: train, dataset: dataset))
            let published = try store.publish(file, name: name)
            result.modelVersion = published.version
            result.modelFile = FileSystem.join(context.modelsDirectory, published.file)
            result.modelXXH64 = published.xxh64
            result.modelBytes = UInt64(published.bytes)
            record = published
        }
        return JobOutcome(result: String(decoding: try JSON.encode(result), as: UTF8.self), summary: result.summary, model: record)
    }

    /// The model file as the coordinator serves it to clients (FETCH by content), when the record
    /// says its size.
    public var modelRef: FileRef? {
        guard let modelBytes, let modelXXH64, let modelVersion else { return nil }
        return FileRef(xxh64: modelXXH64, bytes: modelBytes, name: "model version \(modelVersion)")
    }

    /// The per-epoch table, held-out metrics and where the model went.
    public var summary: String { summary(showingFile: true) }

    /// The summary; without the coordinator's path of the model file when it means nothing to
    /// the reader (a throwaway local cluster's store, gone when the command ends).
    public func summary(showingFile: Bool) -> String {
        var lines = ["    epoch  train RMSE  test RMSE  seconds" + (costs.isEmpty ? "" : "  kernels  workers     sgd  scoring  messaging  driver  moved MB")]
        for (n, e) in epochs.enumerated() {
            let train = algorithm == "als-implicit" || algorithm == "baseline" ? "         -" : String(format: "%10.4f", e.trainRMSE)
            let test = e.testRMSE.map { String(format: "%9.4f", $0) } ?? "        -"
            var line = String(format: "%9d  ", e.epoch) + train + "  " + test + String(format: "  %7.3f", e.seconds)
            if n < costs.count {
                let c = costs[n]
                line += String(format: "  %7.3f  %7d  %5.1f%%  %6.1f%%  %8.1f%%  %6.3f", c.kernelCPUSeconds ?? c.kernelSeconds, c.workers,
                               c.sgdShare * 100, c.scoringShare * 100, c.messagingShare * 100, c.coordinatorSeconds)
                line += c.factorBytes.map { String(format: "  %8.1f", Double($0) / 1e6) } ?? "         -"
            }
            lines.append(line)
        }
        if let rmse = metrics["rmse"], let mae = metrics["mae"] {
            lines.append("\(algorithm): " + String(format: "test RMSE %.4f, MAE %.4f on %d ratings (trained on %d)", rmse, mae, testRatings, trainRatings))
        }
        if metrics["rmse"] == nil, let p = metrics["precision@10"], let n = metrics["ndcg@10"] {
            lines.append("\(algorithm): top 10 " + String(format: "precision %.4f, recall %.4f, NDCG %.4f, MAP %.4f", p, metrics["recall@10"] ?? 0, n, metrics["map@10"] ?? 0))
        }
        if stoppedEarly { lines.append("stopped early: the model is the best epoch's") }
        if let datasetVersion, let datasetContentHash {
            lines.append("dataset version \(datasetVersion) (content \(datasetContentHash))" + (appended.map { ", appended before the run: \($0)" } ?? ""))
        }
        if let promotion { lines.append(promotion.description) }
        if let modelVersion, let modelXXH64 {
            lines.append("model version \(modelVersion)" + (showingFile ? ": \(modelFile ?? "")" : "") + " (xxh64 \(modelXXH64))"
                         + (modelName.map { ", name \($0)" } ?? ""))
        } else {
            lines.append("no model published" + (modelName.map { " under \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
