import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The `train` job for `baseline` (Surprise's BaselineOnly): per epoch an items stage (one task
/// per grid column, with the column's shards in row order and every user bias) and a users stage
/// (per grid row, with every item bias). Each task sums its range's residuals exactly as
/// `BaselineTrainer.halfStep` does over the whole grid, so the model is the same bits as in one
/// process, for any number of workers.
public final class BaselineTrainingJob: JobDriver {
    private let trainer: BaselineTrainer
    private let spec: TrainSpec
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private var model: BiasedFactorModel
    private var epoch = 0
    private var phase = AlternatingPhase.starting
    private var started = MonotonicClock.milliseconds()
    private var reports: [EpochReport] = []

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = spec
        trainer = spec.baseline
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        let m = dataset.manifest
        model = BiasedFactorModel(globalMean: BaselineTrainer.mean(train), users: FactorMatrix(rows: m.users, factors: 0),
                                  items: FactorMatrix(rows: m.items, factors: 0))
    }

    public func nextStage() throws -> StagePlan? {
        switch phase {
        case .starting:
            guard trainer.epochs > 0 else { return nil }
            started = MonotonicClock.milliseconds()
            phase = .items
            return plan(users: false)
        case .items:
            phase = .users
            return plan(users: true)
        case .users:
            epoch += 1
            let testRMSE = evaluation.count > 0 ? evaluation.errors(of: model, scale: dataset.manifest.ratingScale).rmse : nil
            reports.append(EpochReport(epoch: epoch, trainRMSE: 0, testRMSE: testRMSE,
                                       seconds: Double(MonotonicClock.milliseconds() - started) / 1000, evaluationSeconds: 0))
            guard epoch < trainer.epochs else { return nil }
            started = MonotonicClock.milliseconds()
            phase = .items
            return plan(users: false)
        }
    }

    private func plan(users: Bool) -> StagePlan {
        let grid = dataset.grid, m = dataset.manifest
        let given = FloatFrames.frame((users ? model.itemBias : model.userBias)[...])
        let count = users ? grid.rows : grid.columns
        let tasks = (0 ..< count).map { index -> TaskPlan in
            let (files, split) = spec.taskInputs(own: GridLine(users: users, index: index).blocks(grid), m)
            return BaselineRowsTask(side: TaskSide(users: users), index: index, split: split, mean: model.globalMean,
                                    reg: users ? trainer.regUser : trainer.regItem).plan(files: files, payload: [given])
        }
        return StagePlan(name: "epoch \(epoch + 1) \(users ? "users" : "items")", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        let users = try phase.solvingUsers()
        let range = GridLine(users: users, index: index).range(dataset.grid)
        let ok = users ? model.userBias.withUnsafeMutableBufferPointer { FloatFrames.copy(payload.first ?? [], to: $0.baseAddress! + Int(range.lowerBound), count: range.count) }
                       : model.itemBias.withUnsafeMutableBufferPointer { FloatFrames.copy(payload.first ?? [], to: $0.baseAddress! + Int(range.lowerBound), count: range.count) }
        guard ok else { throw JobError("train: biases of \(users ? "row" : "column") \(index) came back with the wrong size") }
    }

    public func finish() throws -> JobOutcome {
        try TrainingResult.publish(algorithm: "baseline", hyperparameters: .baseline(trainer), model: model, reports: reports,
                                   evaluation: evaluation, train: train, dataset: dataset, context: context, stoppedEarly: false, spec: spec)
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["epoch": Double(min(epoch + 1, max(trainer.epochs, 1)))]
        if let t = reports.last?.testRMSE { m["test_rmse"] = t }
        return m
    }
}

extension BaselineTrainingJob {
    /// `baseline-rows`: one half-step of the baseline for a grid row (user biases) or column (item
    /// biases), from its shards and the other side's biases; returns the range's biases.
    static let runner: TaskRunners.Runner = { input in
        let task = try BaselineRowsTask(input)
        guard let frame = input.payload.first, !input.files.isEmpty else { throw TaskError("baseline-rows: no shards or no biases frame") }
        let users = task.side.isUsers, index = task.index
        let blocks = try task.split.blocks(input.files)
        guard blocks.allSatisfy({ users ? $0.row == index : $0.column == index }), let first = blocks.first,
              let bias = FloatFrames.floats(frame, count: frame.count / 4) else {
            throw TaskError("baseline-rows: the shards are not those of \(users ? "row" : "column") \(index)")
        }
        let range = users ? first.userRange : first.itemRange
        let out = BaselineTrainer.halfStep(blocks, range: range, users: users, bias: bias, mean: task.mean, reg: task.reg)
        return TaskOutput(output: [:], payload: [FloatFrames.frame(out[...])])
    }
}
