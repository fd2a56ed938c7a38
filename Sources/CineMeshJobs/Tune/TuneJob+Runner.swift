import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation

extension TuneJob {
    /// `tune-trial`: trains one model with the one-process trainer on every shard of the dataset
    /// (row-major), on the trial's split, and scores it on the held-out ratings: RMSE and MAE for
    /// svd and als, precision@10 and NDCG@10 for als-implicit.
    static let runner: TaskRunners.Runner = { input in
        let task = try TuneTrialTask(input)
        let users = task.users, items = task.items, grid = task.grid, scale = task.scale.scale
        guard input.files.count == grid.blockCount else { throw TaskError("tune-trial: \(input.files.count) shards for a grid of \(grid.blockCount) blocks") }
        let spec: TrainSpec
        do { spec = try task.spec() } catch { throw TaskError("tune-trial: \(error)") }
        let blocks = try input.files.map { try ShardFile.read($0, includeTimestamps: spec.split.needsTimestamps) }
        let parts = try spec.split.apply(blocks, users: users, seed: spec.splitSeed)
        let test = EvaluationSet(blocks: parts.test)
        let started = MonotonicClock.milliseconds()
        var epochs: [EpochReport] = []
        var metrics: [String: Double] = [:]
        let model = try spec.fit(parts.train, grid: grid, users: users, items: items, test: test, scale: scale,
                                 progress: TrainingProgress(epoch: { epochs.append($0) }))
        if spec.predictsRatings {
            let e = test.errors(of: model, scale: scale)
            metrics = ["rmse": e.rmse, "mae": e.mae]
        } else {
            let ranking = RankingMetrics(model: model, train: parts.train, test: test, threshold: spec.implicit.positiveThreshold,
                                         k: 10, maxUsers: 5000)
            metrics = ["precision@10": ranking.precision, "ndcg@10": ranking.ndcg]
        }
        let trial = TuneJob.Trial(parameters: task.trial, metrics: metrics, epochs: epochs,
                                  seconds: Double(MonotonicClock.milliseconds() - started) / 1000)
        return TaskOutput(output: ["trial": String(decoding: try JSONEncoder().encode(trial), as: UTF8.self)])
    }
}
