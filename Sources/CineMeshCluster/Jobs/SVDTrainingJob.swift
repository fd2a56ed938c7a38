import CineMeshData
import CineMeshNumerics
import CineMeshStore
import Foundation

/// The `train` job for `svd`: stratified distributed SGD (Gemulla et al., KDD 2011).
///
/// Each epoch visits the strata of `StratifiedSchedule` in order; a stratum is a stage whose tasks
/// are its non-empty blocks. A task carries the factor rows and biases of its block's user range
/// and item range as raw float frames; the worker runs `SGDBlockKernel.sweep` on the block's
/// training ratings (its shard split locally by the seeded per-rating hash) and returns the
/// updated rows. The blocks of a stratum share no rows, so their updates commute exactly: the
/// model after each stratum is the same bits whichever workers ran which blocks, and the same as
/// `SVDTrainer` in one process. A retried task gets the same inputs again, so a dead worker changes
/// nothing either. Losses are added in stratum order, the held-out RMSE is computed here after
/// each epoch, and the final model (the best epoch's with early stopping) is published to the
/// coordinator's model store. Timings are kept in the job record, not in the model file, so the
/// file is byte-identical for any number of workers.
public final class SVDTrainingJob: JobDriver {
    public static let type = JobType(name: "train", summary: "matrix factorization by stratified distributed SGD") { spec, dataset, context in
        try SVDTrainingJob(spec: spec, dataset: dataset, context: context)
    }
    static let taskKind = "svd-block"

    private let spec: TrainSpec
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private let trainCount: Int
    private let schedule: StratifiedSchedule
    private var model: BiasedFactorModel
    private var stopper: EarlyStopping

    private var epoch = 0
    private var strata: [[(row: Int, column: Int)]] = []
    private var stratum = -1
    private var running: [(row: Int, column: Int)] = []
    private var losses: [Double] = []
    private var squared = 0.0
    private var epochStarted = MonotonicClock.milliseconds()
    private var reports: [EpochReport] = []
    private var stoppedEarly = false

    init(spec: JobSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = try TrainSpec(parameters: spec.parameters)
        self.dataset = dataset
        self.context = context
        let parts = try self.spec.split.apply(try dataset.allBlocks(includeTimestamps: false), users: dataset.manifest.users,
                                              seed: self.spec.splitSeed)
        train = parts.train
        evaluation = EvaluationSet(blocks: parts.test)
        trainCount = train.reduce(0) { $0 + $1.count }
        schedule = StratifiedSchedule(grid: dataset.grid, seed: self.spec.svd.seed)
        model = SVDTrainer.initialModel(self.spec.svd, train: train, users: dataset.manifest.users, items: dataset.manifest.items)
        stopper = EarlyStopping(patience: self.spec.svd.earlyStoppingPatience)
    }

    public func nextStage() throws -> StagePlan? {
        // The stage that just ended: its losses, in stratum (row) order.
        for loss in losses { squared += loss }
        losses = []
        if stratum == -1 || stratum + 1 >= strata.count {
            if stratum != -1 { if try endEpoch() { return nil } }
            guard epoch < spec.svd.epochs else { return nil }
            strata = schedule.strata(epoch: epoch)
            stratum = 0
            squared = 0
            epochStarted = MonotonicClock.milliseconds()
        } else {
            stratum += 1
        }
        return plan(strata[stratum])
    }

    /// Closes the epoch: training and held-out RMSE, early stopping. True when training is over.
    private func endEpoch() throws -> Bool {
        let trainRMSE = trainCount > 0 ? (squared / Double(trainCount)).squareRoot() : 0
        guard trainRMSE.isFinite else {
            throw JobError("training diverged in epoch \(epoch + 1) (training RMSE is \(trainRMSE)); lower the learning rate")
        }
        let seconds = Double(MonotonicClock.milliseconds() - epochStarted) / 1000
        let evaluated = MonotonicClock.milliseconds()
        let testRMSE = evaluation.count > 0 ? evaluation.errors(of: model, scale: dataset.manifest.ratingScale).rmse : nil
        reports.append(EpochReport(epoch: epoch + 1, trainRMSE: trainRMSE, testRMSE: testRMSE, seconds: seconds,
                                   evaluationSeconds: Double(MonotonicClock.milliseconds() - evaluated) / 1000))
        epoch += 1
        if stopper.shouldStop(after: model, testRMSE: testRMSE) {
            stoppedEarly = true
            return true
        }
        return epoch >= spec.svd.epochs
    }

    private func plan(_ blocks: [(row: Int, column: Int)]) -> StagePlan {
        let grid = dataset.grid, stride = model.users.stride
        let steps = SGDSteps(spec.svd, epoch: epoch)
        running = blocks.filter { train[$0.row * grid.columns + $0.column].count > 0 }
        let common: [String: String] = [
            "split": spec.split.description, "split_seed": String(spec.splitSeed), "stride": String(stride),
            "mean": ExactFloat.text(model.globalMean), "lr_bias": ExactFloat.text(steps.lrBias),
            "lr_factors": ExactFloat.text(steps.lrFactors), "reg_bias": ExactFloat.text(steps.regBias),
            "reg_factors": ExactFloat.text(steps.regFactors), "biased": String(steps.biased),
        ]
        let tasks = running.map { b -> TaskPlan in
            let entry = dataset.manifest.block(row: b.row, column: b.column)!
            let u = grid.userRange(row: b.row), i = grid.itemRange(column: b.column)
            var parameters = common
            parameters["row"] = String(b.row)
            parameters["column"] = String(b.column)
            return TaskPlan(kind: Self.taskKind, parameters: parameters,
                            files: [FileRef(xxh64: entry.xxh64, bytes: entry.bytes, name: entry.file)],
                            payload: [FloatFrames.frame(model.users.values[Int(u.lowerBound) * stride ..< Int(u.upperBound) * stride]),
                                      FloatFrames.frame(model.userBias[Int(u.lowerBound) ..< Int(u.upperBound)]),
                                      FloatFrames.frame(model.items.values[Int(i.lowerBound) * stride ..< Int(i.upperBound) * stride]),
                                      FloatFrames.frame(model.itemBias[Int(i.lowerBound) ..< Int(i.upperBound)])])
        }
        losses = Array(repeating: 0, count: tasks.count)
        return StagePlan(name: "epoch \(epoch + 1) stratum \(stratum + 1)/\(strata.count)", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame]) throws {
        let b = running[index]
        let grid = dataset.grid
        let u = grid.userRange(row: b.row), i = grid.itemRange(column: b.column)
        guard let loss = ExactFloat.double(output["loss"]), payload.count == 4 else {
            throw JobError("train: block (\(b.row), \(b.column)) came back without its loss and four factor frames")
        }
        let ok = Self.store(payload, into: &model, users: u, items: i)
        guard ok else { throw JobError("train: block (\(b.row), \(b.column)) came back with factor frames of the wrong size") }
        losses[index] = loss
    }

    /// Copies a task's four factor frames over the rows of `users` and `items` (through an
    /// `inout` model: the four buffers are disjoint parts of one value).
    static func store(_ payload: [Frame], into model: inout BiasedFactorModel, users u: Range<UInt32>, items i: Range<UInt32>) -> Bool {
        let stride = model.users.stride
        return model.users.values.withUnsafeMutableBufferPointer { p in
            model.items.values.withUnsafeMutableBufferPointer { q in
                model.userBias.withUnsafeMutableBufferPointer { bu in
                    model.itemBias.withUnsafeMutableBufferPointer { bi in
                        FloatFrames.copy(payload[0], to: p.baseAddress! + Int(u.lowerBound) * stride, count: u.count * stride)
                            && FloatFrames.copy(payload[1], to: bu.baseAddress! + Int(u.lowerBound), count: u.count)
                            && FloatFrames.copy(payload[2], to: q.baseAddress! + Int(i.lowerBound) * stride, count: i.count * stride)
                            && FloatFrames.copy(payload[3], to: bi.baseAddress! + Int(i.lowerBound), count: i.count)
                    }
                }
            }
        }
    }

    public func finish() throws -> JobOutcome {
        let final = stopper.best ?? model
        let scale = dataset.manifest.ratingScale
        var metrics: [String: Double] = [:]
        if evaluation.count > 0 {
            let errors = evaluation.errors(of: final, scale: scale)
            metrics = ["rmse": errors.rmse, "mae": errors.mae]
        }
        // Timings differ run to run: the model file keeps the per-epoch metrics without them.
        let timeless = reports.map { EpochReport(epoch: $0.epoch, trainRMSE: $0.trainRMSE, testRMSE: $0.testRMSE, seconds: 0, evaluationSeconds: 0) }
        let metadata = ModelFile.Metadata(algorithm: "svd", hyperparameters: .svd(spec.svd), epochs: timeless, metrics: metrics,
                                          dataset: dataset.manifest.name, datasetContentHash: dataset.manifest.contentHash, ratingScale: scale)
        let file = ModelFile(metadata: metadata, model: final, users: dataset.users, items: dataset.items, catalog: dataset.catalog, training: train)
        let store = try ModelStore(directory: context.modelsDirectory)
        let record = try store.publish(file)
        let result = TrainingResult(modelVersion: record.version, modelFile: FileSystem.join(context.modelsDirectory, record.file),
                                    modelXXH64: record.xxh64, metrics: metrics, epochs: reports, trainRatings: trainCount,
                                    testRatings: evaluation.count, stoppedEarly: stoppedEarly)
        return JobOutcome(result: String(decoding: try JSON.encode(result), as: UTF8.self), summary: Self.summary(result))
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["epoch": Double(epoch + (stratum >= 0 && epoch < spec.svd.epochs ? 1 : 0))]
        if let last = reports.last {
            m["train_rmse"] = last.trainRMSE
            if let t = last.testRMSE { m["test_rmse"] = t }
        }
        return m
    }

    static func summary(_ r: TrainingResult) -> String {
        var lines = ["    epoch  train RMSE  test RMSE  seconds"]
        for e in r.epochs {
            let test = e.testRMSE.map { String(format: "%9.4f", $0) } ?? "        -"
            lines.append(String(format: "%9d  %10.4f  ", e.epoch, e.trainRMSE) + test + String(format: "  %7.3f", e.seconds))
        }
        if let rmse = r.metrics["rmse"], let mae = r.metrics["mae"] {
            lines.append(String(format: "svd: test RMSE %.4f, MAE %.4f on %d ratings (trained on %d)", rmse, mae, r.testRatings, r.trainRatings))
        }
        if r.stoppedEarly { lines.append("stopped early: the model is the best epoch's") }
        lines.append("model version \(r.modelVersion): \(r.modelFile) (xxh64 \(r.modelXXH64))")
        return lines.joined(separator: "\n")
    }
}

/// The `train` job's result.
public struct TrainingResult: Codable, Sendable, Equatable {
    public var modelVersion: Int
    /// The published model file, on the coordinator's box.
    public var modelFile: String
    public var modelXXH64: String
    public var metrics: [String: Double]
    public var epochs: [EpochReport]
    public var trainRatings: Int
    public var testRatings: Int
    public var stoppedEarly: Bool
}
