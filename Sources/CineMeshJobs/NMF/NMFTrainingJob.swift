import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The `train` job for `nmf` (Surprise's NMF, unbiased): one stage per epoch with one task per
/// grid block. A task brings the user rows of its grid row and the item rows of its grid column,
/// and returns its block's partial sums (`NMFBlockSums`: numerators and denominators as doubles,
/// and the squared error). Once every block is in, the coordinator adds the sums in (row, column)
/// block order, exactly as `NMFTrainer` does in one process, and applies the multiplicative
/// update: the model is the same bits as in one process, for any number of workers, and a
/// retried task recomputes the same sums. Workers keep no state between tasks beyond their caches.
///
/// The biased form moves the biases by SGD rating by rating, a sequential order no split into
/// blocks keeps: such a job is refused (`cinemesh train` runs it in one process). Like baseline
/// jobs, nmf jobs keep no checkpoints.
public final class NMFTrainingJob: JobDriver {
    private let spec: TrainSpec
    private let parameters: NMFParameters
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private let trainCount: Int
    private let userCounts: [Int32]
    private let itemCounts: [Int32]
    private var model: BiasedFactorModel
    private var epoch = 0
    private var planned = false
    /// The running stage's sums, by task index (block (r, c) is task r * columns + c).
    private var sums: [NMFBlockSums?] = []
    private var started = MonotonicClock.milliseconds()
    private var reports: [EpochReport] = []

    /// Why a biased nmf job cannot run on a cluster.
    static let biasedRefusal = "train: nmf with biased=true runs in one process only (`cinemesh train DATASET --algo nmf --biased` without a cluster): its biases move by SGD rating by rating, in an order blocks on several workers cannot keep"

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        guard !spec.nmf.biased else { throw JobError(Self.biasedRefusal) }
        self.spec = spec
        parameters = spec.nmf
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        let m = dataset.manifest
        let start = NMFTrainer.start(parameters, train: train, users: m.users, items: m.items)
        trainCount = start.blocks.reduce(0) { $0 + $1.count }
        userCounts = start.userCounts
        itemCounts = start.itemCounts
        model = start.model
    }

    public func nextStage() throws -> StagePlan? {
        if planned {
            try endEpoch()
            planned = false
        }
        guard epoch < parameters.epochs else { return nil }
        started = MonotonicClock.milliseconds()
        planned = true
        return plan()
    }

    /// Adds the blocks' sums in block order, updates the model and reports the epoch.
    private func endEpoch() throws {
        var totals = NMFEpochTotals(users: model.users.rows, items: model.items.rows, stride: model.users.stride)
        for (index, block) in sums.enumerated() {
            guard let block else { throw JobError("train: nmf block \(index) of epoch \(epoch + 1) never came back") }
            totals.add(block)
        }
        totals.apply(to: &model, userCounts: userCounts, itemCounts: itemCounts, parameters: parameters)
        epoch += 1
        let seconds = Double(MonotonicClock.milliseconds() - started) / 1000
        let evaluated = MonotonicClock.milliseconds()
        let testRMSE = evaluation.count > 0 ? evaluation.errors(of: model, scale: dataset.manifest.ratingScale).rmse : nil
        reports.append(EpochReport(epoch: epoch, trainRMSE: trainCount > 0 ? (totals.squaredError / Double(trainCount)).squareRoot() : 0,
                                   testRMSE: testRMSE, seconds: seconds, evaluationSeconds: Double(MonotonicClock.milliseconds() - evaluated) / 1000))
    }

    /// One task per grid block, row-major, each with its row's user rows and its column's item rows.
    private func plan() -> StagePlan {
        let grid = dataset.grid, m = dataset.manifest, stride = model.users.stride
        sums = Array(repeating: nil, count: grid.rows * grid.columns)
        var tasks: [TaskPlan] = []
        for row in 0 ..< grid.rows {
            let users = grid.userRange(row: row)
            let userFrame = FloatFrames.frame(model.users.values[Int(users.lowerBound) * stride ..< Int(users.upperBound) * stride])
            for column in 0 ..< grid.columns {
                let items = grid.itemRange(column: column)
                let (files, split) = spec.taskInputs(own: [(row, column)], m)
                let task = NMFBlockTask(row: row, column: column, factors: parameters.factors, stride: stride, split: split)
                tasks.append(task.plan(files: files, payload: [userFrame, FloatFrames.frame(model.items.values[Int(items.lowerBound) * stride ..< Int(items.upperBound) * stride])]))
            }
        }
        return StagePlan(name: "epoch \(epoch + 1)", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        let grid = dataset.grid, k = model.users.stride
        guard planned, sums.indices.contains(index) else { throw JobError("train: an nmf result for no running block") }
        let (row, column) = index.quotientAndRemainder(dividingBy: grid.columns)
        let users = grid.userRange(row: row), items = grid.itemRange(column: column)
        let result: NMFBlockResult
        do { result = try NMFBlockResult(fields: output) } catch { throw JobError("train: nmf block (\(row), \(column)): \(error)") }
        guard payload.count == 4,
              let un = FloatFrames.values(payload[0], count: users.count * k, as: Double.self),
              let ud = FloatFrames.values(payload[1], count: users.count * k, as: Double.self),
              let inum = FloatFrames.values(payload[2], count: items.count * k, as: Double.self),
              let id = FloatFrames.values(payload[3], count: items.count * k, as: Double.self),
              let block = NMFBlockSums(stride: k, userRange: users, itemRange: items, userNumerator: un, userDenominator: ud,
                                       itemNumerator: inum, itemDenominator: id, squaredError: result.squaredError) else {
            throw JobError("train: the sums of nmf block (\(row), \(column)) came back with the wrong frames")
        }
        sums[index] = block
    }

    public func finish() throws -> JobOutcome {
        try TrainingResult.publish(algorithm: "nmf", hyperparameters: .nmf(parameters), model: model, reports: reports, evaluation: evaluation,
                                   train: train, dataset: dataset, context: context, stoppedEarly: false, spec: spec)
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["epoch": Double(min(epoch + 1, max(parameters.epochs, 1)))]
        if let last = reports.last {
            m["train_rmse"] = last.trainRMSE
            if let t = last.testRMSE { m["test_rmse"] = t }
        }
        return m
    }
}
