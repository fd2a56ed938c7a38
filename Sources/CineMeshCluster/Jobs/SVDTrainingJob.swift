import CineMeshData
import CineMeshNumerics
import CineMeshStore
import Foundation

/// The `train` job for `svd`: stratified distributed SGD (Gemulla et al., KDD 2011).
///
/// Each epoch visits the strata of `StratifiedSchedule` in order, as one dataflow stage: a block
/// (a task) is released as soon as the blocks before it in its grid row and its grid column are
/// done, not when its whole stratum before is. The worker runs `SGDBlockKernel.sweep` on the
/// block's training ratings (its shard split locally: by the seeded per-rating hash, or with the
/// rest of its grid row for last:K).
///
/// User rows stay: the worker that swept row i keeps its user rows, and later tasks on row i are
/// pinned to that worker session and carry no user rows (Gemulla's scheme; per epoch the user
/// factors cross the network once, in the closing `collect` stage that copies them back as the
/// epoch's checkpoint). Rows are evened out between sessions at an epoch's start. Item rows
/// travel with the tasks, except that a block whose column's next block runs on the same session
/// keeps them there.
///
/// The blocks of a stratum share no rows, so their updates commute exactly, and each block starts
/// from the rows its row's and column's earlier blocks left: the model is the same bits whichever
/// workers ran which blocks when, and the same as `SVDTrainer` in one process. A retried task gets
/// the same inputs again. A worker session that dies holding user rows takes the epoch with it:
/// the job rolls back to the epoch's checkpoint and runs the epoch again, to the same bits.
/// Losses are added in stratum order. The held-out RMSE of each epoch is computed on a snapshot
/// while the next epoch runs (early stopping then ends training one stage later, with the same
/// best model), and the final model (the best epoch's with early stopping) is published to the
/// coordinator's model store. Timings are kept in the job record, not in the model file, so the
/// file is byte-identical for any number of workers.
public final class SVDTrainingJob: JobDriver {
    /// The `train` job type: svd here, als and als-implicit by `ALSTrainingJob`.
    public static let type = JobType(name: "train", summary: "matrix factorization: svd by stratified SGD, als and als-implicit by blocked ALS",
                                     validate: { _ = try TrainSpec(parameters: $0.parameters) }) { spec, dataset, context in
        let train = try TrainSpec(parameters: spec.parameters)
        switch train.algorithm {
        case .svd: return try SVDTrainingJob(spec: train, dataset: dataset, context: context)
        case .als, .alsImplicit: return try ALSTrainingJob(spec: train, dataset: dataset, context: context)
        case .baseline: return try BaselineTrainingJob(spec: train, dataset: dataset, context: context)
        }
    }
    static let taskKind = "svd-block"
    static let collectKind = "svd-collect"

    private enum Phase { case starting, sweep, collect }

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
    private var phase = Phase.starting
    /// The epoch's blocks that hold training ratings, stratum by stratum in the schedule's order
    /// (the order their losses are added in), and per block the block before it in its grid row
    /// and in its grid column (-1: none this epoch), whose user and item rows it starts from.
    private var blocks: [(row: Int, column: Int)] = []
    private var previous: [(row: Int, column: Int)] = []
    /// Per block: the blocks that start from it (in its row, in its column; -1: none).
    private var following: [(row: Int, column: Int)] = []
    private var released: [Bool] = []
    private var done: [Bool] = []
    /// Tasks made ready by accepted blocks, for `releasedTasks()`.
    private var ready: [TaskPlan] = []
    /// Per task index of the current stage: the block it sweeps (sweep) or the grid row it
    /// copies back (collect). Indices are given in the order tasks are released.
    private var running: [Int] = []
    private var common: [String: String] = [:]
    /// The model at the start of the current epoch, to roll back to.
    private var checkpoint: BiasedFactorModel
    /// Per grid row: the worker session holding the newest user rows (nil: this model's are).
    private var holder: [String?]
    /// Per grid row no session holds: the session its next block must go to, set when rows are
    /// moved to even out the sessions' shares (nil: any session).
    private var assigned: [String?]
    /// The worker sessions registered when the coordinator last asked for a stage.
    private var available: [String] = []
    /// Per grid column: the item rows and biases as the last task returned them (nil: this
    /// model's are current). They go on to the next stratum's task as they are and are copied into
    /// `model` once per epoch, at the collect stage, instead of in and out at every stratum.
    private var itemFrames: [(factors: Frame, biases: Frame)?]
    /// The user side the collect stage assembles, and the one it assembled the epoch before
    /// last, kept for the next collect. Writing collected rows into `model` itself would copy the
    /// whole user matrix first (the checkpoint and the held-out snapshot share it) into freshly
    /// mapped pages: about 0.1 s of page faults and copying per epoch at 10M ratings, more at 100M.
    /// Two buffers take turns instead, and neither is shared when it is written.
    private var collecting: (users: FactorMatrix, bias: [Float])?
    private var spare: (users: FactorMatrix, bias: [Float])?
    /// Per grid column: the worker session holding the column's newest item rows, because its last
    /// block was told to keep them (`keep_items`) for the column's next block, pinned to the same
    /// session (nil: `itemFrames` or the model have them). Per block: whether it keeps them.
    private var itemsHeldBy: [String?]
    private var keeps: [Bool] = []
    private var rolledBack = false
    /// Per block: its loss (sum of squared errors before each update).
    private var losses: [Double] = []
    private var squared = 0.0
    private var epochStarted = MonotonicClock.milliseconds()
    private var reports: [EpochReport] = []
    private var stoppedEarly = false
    /// Per epoch: SGD kernel time summed over tasks, and the worker sessions that ran them.
    private var kernelSeconds = 0.0
    /// Per epoch: time spent in this driver on the coordinator (planning, merging, scoring).
    private var driverSeconds = 0.0
    private var sessions = Set<String>()
    /// Per epoch: bytes of factor rows sent to and received from workers.
    private var movedBytes = 0
    private var breakdown: [TrainingResult.EpochCost] = []
    /// The epoch that ended last, while its held-out set is scored beside the next epoch.
    private var pending: (report: EpochReport, cost: TrainingResult.EpochCost, snapshot: BiasedFactorModel, scoring: HeldOutScoring)?

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = spec
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        trainCount = train.reduce(0) { $0 + $1.count }
        schedule = StratifiedSchedule(grid: dataset.grid, seed: self.spec.svd.seed)
        model = SVDTrainer.initialModel(self.spec.svd, train: train, users: dataset.manifest.users, items: dataset.manifest.items)
        stopper = EarlyStopping(patience: self.spec.svd.earlyStoppingPatience)
        checkpoint = model
        holder = Array(repeating: nil, count: dataset.grid.rows)
        assigned = holder
        itemFrames = Array(repeating: nil, count: dataset.grid.columns)
        itemsHeldBy = Array(repeating: nil, count: dataset.grid.columns)
    }

    public func nextStage() throws -> StagePlan? {
        let entered = MonotonicClock.nanoseconds()
        defer { driverSeconds += Double(MonotonicClock.nanoseconds() - entered) / 1e9 }
        if pending?.scoring.isDone == true, try closePending() { return nil }
        if rolledBack {
            rolledBack = false
            return startEpoch()
        }
        switch phase {
        case .starting:
            return epoch < spec.svd.epochs ? startEpoch() : nil
        case .sweep:
            for loss in losses { squared += loss }
            phase = .collect
            return planCollect()
        case .collect:
            if let collected = collecting {
                collecting = nil
                spare = (model.users, model.userBias)
                model.users = collected.users
                model.userBias = collected.bias
            }
            try storeItemFrames()
            if try endEpoch() { return nil }
            return startEpoch()
        }
    }

    /// The epoch's sweep as one dataflow stage: a block is released as soon as the blocks before
    /// it in its grid row and column are accepted (Gemulla's strata impose nothing more: blocks
    /// of a stratum share no rows), so no worker waits at a stratum's end for the slowest block.
    /// Every block still starts from exactly the rows it would after a barrier, so the model is
    /// the same bits.
    private func startEpoch() -> StagePlan {
        checkpoint = model
        evenOutRows()
        let grid = dataset.grid
        let strata = schedule.strata(epoch: epoch)
        blocks = strata.joined().filter { train[$0.row * grid.columns + $0.column].count > 0 }
        var lastInRow = [Int](repeating: -1, count: grid.rows), lastInColumn = [Int](repeating: -1, count: grid.columns)
        previous = []
        following = Array(repeating: (-1, -1), count: blocks.count)
        for (b, block) in blocks.enumerated() {
            let before = (row: lastInRow[block.row], column: lastInColumn[block.column])
            previous.append(before)
            if before.row >= 0 { following[before.row].row = b }
            if before.column >= 0 { following[before.column].column = b }
            lastInRow[block.row] = b
            lastInColumn[block.column] = b
        }
        released = Array(repeating: false, count: blocks.count)
        done = released
        keeps = released
        itemsHeldBy = Array(repeating: nil, count: grid.columns)
        losses = Array(repeating: 0, count: blocks.count)
        ready = []
        running = []
        phase = .sweep
        squared = 0
        kernelSeconds = 0
        driverSeconds = 0
        movedBytes = 0
        sessions = []
        epochStarted = MonotonicClock.milliseconds()
        let steps = SGDSteps(spec.svd, epoch: epoch)
        common = [
            "split": spec.split.description, "split_seed": String(spec.splitSeed), "stride": String(model.users.stride),
            "mean": ExactFloat.text(model.globalMean), "lr_bias": ExactFloat.text(steps.lrBias),
            "lr_factors": ExactFloat.text(steps.lrFactors), "reg_bias": ExactFloat.text(steps.regBias),
            "reg_factors": ExactFloat.text(steps.regFactors), "biased": String(steps.biased),
        ]
        let first = blocks.indices.filter { previous[$0] == (-1, -1) }.map(release)
        return StagePlan(name: "epoch \(epoch + 1) sweep (\(strata.count) strata)", tasks: first, total: blocks.count)
    }

    public func workerLost(_ session: String) -> Bool {
        guard holder.contains(session) || assigned.contains(session) else { return false }
        if let buffers = collecting { spare = buffers }
        collecting = nil
        model = checkpoint
        holder = Array(repeating: nil, count: holder.count)
        assigned = holder
        itemFrames = Array(repeating: nil, count: itemFrames.count)
        itemsHeldBy = Array(repeating: nil, count: itemsHeldBy.count)
        rolledBack = true
        return true
    }

    /// Closes the epoch: training RMSE and timings now; its held-out RMSE (and the early-stopping
    /// decision on it) once scored. The scoring runs on a snapshot beside the next epoch, off the
    /// critical path, except after the last epoch. True when training is over.
    private func endEpoch() throws -> Bool {
        if pending != nil, try closePending() { return true }
        let trainRMSE = trainCount > 0 ? (squared / Double(trainCount)).squareRoot() : 0
        guard trainRMSE.isFinite else {
            throw JobError("training diverged in epoch \(epoch + 1) (training RMSE is \(trainRMSE)); lower the learning rate")
        }
        let seconds = Double(MonotonicClock.milliseconds() - epochStarted) / 1000
        let report = EpochReport(epoch: epoch + 1, trainRMSE: trainRMSE, testRMSE: nil, seconds: seconds, evaluationSeconds: 0)
        let cost = TrainingResult.EpochCost(seconds: seconds, kernelSeconds: kernelSeconds, workers: sessions.count, coordinatorSeconds: driverSeconds,
                                            factorBytes: movedBytes)
        epoch += 1
        pending = (report, cost, model, HeldOutScoring(evaluation, model: model, scale: dataset.manifest.ratingScale))
        guard epoch >= spec.svd.epochs else { return false }
        _ = try closePending()
        return true
    }

    /// Waits for the pending epoch's held-out RMSE (long done by the time this is called, but for
    /// the last epoch) and records the epoch. True when early stopping ends training.
    private func closePending() throws -> Bool {
        guard let (report, cost, snapshot, scoring) = pending else { return false }
        pending = nil
        let (testRMSE, evaluationSeconds) = scoring.result()
        var closed = report
        closed.testRMSE = testRMSE
        closed.evaluationSeconds = evaluationSeconds
        reports.append(closed)
        breakdown.append(cost)
        if stopper.shouldStop(after: snapshot, testRMSE: testRMSE) {
            stoppedEarly = true
            return true
        }
        return false
    }

    public func workersAvailable(_ sessions: [String]) { available = sessions }

    /// Moves grid rows between worker sessions until their counts differ by at most one, over the
    /// sessions holding rows and any registered since (a worker that joins a running job gets its
    /// share at the next epoch). The first epoch hands rows to whichever worker is free, and a 5
    /// to 3 split of 8 rows costs every later epoch about an eighth of its time. Called at an
    /// epoch's start, when the model has every row's newest user rows (the collect stage just
    /// copied them back): a moved row's next block carries them to its new session. Placement
    /// never changes the numbers.
    private func evenOutRows() {
        var rows: [String: [Int]] = [:]
        for (row, session) in holder.enumerated() { if let session { rows[session, default: []].append(row) } }
        guard !rows.isEmpty else { return }   // the first epoch: rows go to whoever is free
        for session in available where rows[session] == nil { rows[session] = [] }
        guard rows.count >= 2 else { return }
        while true {
            let order = rows.sorted { ($0.value.count, $0.key) < ($1.value.count, $1.key) }
            let (few, many) = (order.first!, order.last!)
            guard many.value.count - few.value.count >= 2, let row = many.value.last else { return }
            rows[many.key]!.removeLast()
            rows[few.key]!.append(row)
            holder[row] = nil
            assigned[row] = few.key
        }
    }

    /// The task for block `b`, now that the blocks before it are accepted: it takes the next task
    /// index. User rows travel only while no worker holds the row; item rows go as the column's
    /// last block returned them.
    private func release(_ b: Int) -> TaskPlan {
        let grid = dataset.grid, stride = model.users.stride
        let (row, column) = blocks[b]
        released[b] = true
        running.append(b)
        let u = grid.userRange(row: row), i = grid.itemRange(column: column)
        var parameters = common
        parameters["row"] = String(row)
        parameters["column"] = String(column)
        var payload: [Frame] = []
        if holder[row] == nil {
            parameters["users"] = "payload"
            payload = [FloatFrames.frame(model.users.values[Int(u.lowerBound) * stride ..< Int(u.upperBound) * stride]),
                       FloatFrames.frame(model.userBias[Int(u.lowerBound) ..< Int(u.upperBound)])]
        } else {
            parameters["users"] = "resident"
        }
        if let session = itemsHeldBy[column] {
            precondition(session == holder[row], "item rows of column \(column) are on \(session), block (\(row), \(column)) runs on \(holder[row] ?? "any")")
            parameters["items"] = "resident"
        } else {
            let items = itemFrames[column] ?? (FloatFrames.frame(model.items.values[Int(i.lowerBound) * stride ..< Int(i.upperBound) * stride]),
                                               FloatFrames.frame(model.itemBias[Int(i.lowerBound) ..< Int(i.upperBound)]))
            payload += [items.factors, items.biases]
        }
        // The column's next block runs on this row's worker too (rows stay pinned to the session
        // that holds them): the item rows wait there instead of crossing the network twice. The
        // epoch's last block of a column always returns them, for the checkpoint.
        let next = following[b].column
        if next >= 0, let session = holder[row], holder[blocks[next].row] == session {
            keeps[b] = true
            parameters["keep_items"] = "true"
        }
        movedBytes += payload.reduce(0) { $0 + $1.count }
        let (files, splitParameters) = spec.taskFiles(own: [(row, column)], dataset.manifest)
        return TaskPlan(kind: Self.taskKind, parameters: parameters.merging(splitParameters) { _, new in new },
                        files: files, payload: payload, affinity: holder[row] ?? assigned[row])
    }

    /// Block `b` is released once the blocks before it in its row and column are accepted.
    private func isReady(_ b: Int) -> Bool {
        !released[b] && (previous[b].row < 0 || done[previous[b].row]) && (previous[b].column < 0 || done[previous[b].column])
    }

    public func releasedTasks() -> [TaskPlan] {
        defer { ready = [] }
        return ready
    }

    /// The epoch's checkpoint: every held row range copied back from its worker into the spare
    /// buffers, and the rows no worker holds (no training ratings) copied from `model`.
    private func planCollect() -> StagePlan {
        var buffers = spare ?? (FactorMatrix(rows: model.users.rows, factors: model.users.factors), model.userBias)
        spare = nil
        let stride = model.users.stride
        for row in holder.indices where holder[row] == nil {
            let u = dataset.grid.userRange(row: row), range = Int(u.lowerBound) * stride ..< Int(u.upperBound) * stride
            buffers.users.values[range] = model.users.values[range]
            buffers.bias[Int(u.lowerBound) ..< Int(u.upperBound)] = model.userBias[Int(u.lowerBound) ..< Int(u.upperBound)]
        }
        collecting = buffers
        running = holder.indices.filter { holder[$0] != nil }
        let tasks = running.map { row in
            TaskPlan(kind: Self.collectKind, parameters: ["row": String(row)], affinity: holder[row])
        }
        return StagePlan(name: "epoch \(epoch + 1) collect", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        let entered = MonotonicClock.nanoseconds()
        defer { driverSeconds += Double(MonotonicClock.nanoseconds() - entered) / 1e9 }
        let grid = dataset.grid
        movedBytes += payload.reduce(0) { $0 + $1.count }
        if case .collect = phase {
            let row = running[index]
            // Taken out while written, so the buffers are not shared and nothing is copied.
            guard payload.count == 2, var buffers = collecting else { throw JobError("train: user rows of row \(row) came back without their two frames") }
            collecting = nil
            let stored = Self.store(payload[0], payload[1], into: &buffers.users, &buffers.bias, rows: grid.userRange(row: row))
            collecting = buffers
            guard stored else { throw JobError("train: user rows of row \(row) came back with the wrong size") }
            return
        }
        let b = running[index], (row, column) = blocks[b]
        let i = grid.itemRange(column: column)
        guard let loss = ExactFloat.double(output["loss"]), payload.count == (keeps[b] ? 0 : 2) else {
            throw JobError("train: block (\(row), \(column)) came back without its loss and \(keeps[b] ? "with item frames it was to keep" : "two item frames")")
        }
        if keeps[b] {
            itemsHeldBy[column] = worker
        } else {
            let stride = model.items.stride, floats = MemoryLayout<Float>.size
            guard payload[0].count == i.count * stride * floats, payload[1].count == i.count * floats else {
                throw JobError("train: block (\(row), \(column)) came back with item frames of the wrong size")
            }
            itemFrames[column] = (payload[0], payload[1])
            itemsHeldBy[column] = nil
        }
        losses[b] = loss
        holder[row] = worker
        assigned[row] = nil
        done[b] = true
        kernelSeconds += Double(output["kernel_us"].flatMap(Int.init) ?? 0) / 1e6
        sessions.insert(worker)
        for next in [following[b].row, following[b].column] where next >= 0 && isReady(next) {
            ready.append(release(next))
        }
    }

    /// Copies the item rows the epoch's tasks returned into `model` (they stay the columns' current
    /// frames: they equal the model's rows now).
    private func storeItemFrames() throws {
        for (column, frames) in itemFrames.enumerated() {
            guard let frames else { continue }
            guard Self.store(frames.factors, frames.biases, into: &model, users: false, rows: dataset.grid.itemRange(column: column)) else {
                throw JobError("train: item rows of column \(column) have the wrong size")
            }
        }
    }

    /// Copies a frame of factor rows and a frame of biases over `rows` of `matrix` and `bias`
    /// (false when a size is wrong).
    static func store(_ factors: Frame, _ biases: Frame, into matrix: inout FactorMatrix, _ bias: inout [Float], rows: Range<UInt32>) -> Bool {
        let lower = Int(rows.lowerBound), stride = matrix.stride
        return matrix.values.withUnsafeMutableBufferPointer { FloatFrames.copy(factors, to: $0.baseAddress! + lower * stride, count: rows.count * stride) }
            && bias.withUnsafeMutableBufferPointer { FloatFrames.copy(biases, to: $0.baseAddress! + lower, count: rows.count) }
    }

    /// The same over `rows` of the user (or item) side of `model`: one `inout` access to the
    /// model, whose parts are then disjoint.
    static func store(_ factors: Frame, _ biases: Frame, into model: inout BiasedFactorModel, users: Bool, rows: Range<UInt32>) -> Bool {
        users ? store(factors, biases, into: &model.users, &model.userBias, rows: rows)
              : store(factors, biases, into: &model.items, &model.itemBias, rows: rows)
    }

    public func finish() throws -> JobOutcome {
        try TrainingResult.publish(algorithm: "svd", hyperparameters: .svd(spec.svd), model: stopper.best ?? model, reports: reports,
                                   evaluation: evaluation, train: train, dataset: dataset, context: context, stoppedEarly: stoppedEarly,
                                   costs: breakdown)
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["epoch": Double(epoch + (epoch < spec.svd.epochs ? 1 : 0))]
        if let last = reports.last {
            m["train_rmse"] = last.trainRMSE
            if let t = last.testRMSE { m["test_rmse"] = t }
        }
        return m
    }
}
