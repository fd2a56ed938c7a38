import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshStore
import Foundation

/// The `train` job for `svd`: stratified distributed SGD (Gemulla et al., KDD 2011), run as one
/// dataflow across epochs (`SVDBlockFlow`): a block is released as soon as the blocks before it
/// in its grid row and its grid column are merged, whatever epoch those were in, so no worker
/// waits at the end of a stratum or of an epoch for the slowest block.
///
/// Where rows live (docs/PROTOCOL.md section 8):
/// - User rows stay on the worker session that holds their grid row (`RowPlacement`: contiguous
///   ranges of rows); a row's tasks are pinned there and carry no user rows after its first.
/// - Item rows travel with the tasks, except that a block whose column's next block runs on the
///   same session keeps them there. With the schedule's cyclic strata a column changes sessions
///   about once per session and epoch.
/// - Each row's last block of an epoch keeps a snapshot of the row's user rows. Once every block
///   of the epoch is in, each session scores the held-out ratings of its rows against its
///   snapshots and the epoch's final item rows (`svd-score`), while the next epoch runs; the
///   errors add up exactly (`ErrorSum`), in any order.
/// - User rows come back to the coordinator (`svd-collect`, from the snapshots) only for
///   checkpoints: every `checkpointEvery` epochs, each new best epoch under early stopping, the
///   final epoch, and before rows are spread over a worker that joined.
///
/// A session that dies holding rows takes the run since the last checkpoint with it: the job
/// starts again from that checkpoint. Every block's update depends only on its inputs, so the
/// model is the same bits for any number of workers, with failures or not, and the same as
/// `SVDTrainer` in one process. Timings are kept in the job record, not in the model file.
public final class SVDTrainingJob: JobDriver {
    /// The `train` job type: svd here, als and als-implicit by `ALSTrainingJob`, nmf by
    /// `NMFTrainingJob`, baseline by `BaselineTrainingJob`, item-knn and user-knn by `KNNTrainingJob`. svd and ALS jobs
    /// resume from their checkpoints after a coordinator restart; baseline jobs, short, keep none.
    public static let type = JobType(name: "train", summary: "matrix factorization: svd by stratified SGD, als and als-implicit by blocked ALS, nmf by summed blocks, item-knn and user-knn by similarity rows",
                                     validate: {
        let train = try TrainSpec(parameters: $0.parameters)
        if train.algorithm == .nmf && train.nmf.biased { throw JobError(NMFTrainingJob.biasedRefusal) }
        if train.algorithm == .content { throw JobError(SVDTrainingJob.contentRefusal) }
    },
                                     makeDriver: { spec, dataset, context in
        let train = try TrainSpec(parameters: spec.parameters)
        switch train.algorithm {
        case .svd: return try SVDTrainingJob(spec: train, dataset: dataset, context: context)
        case .als, .alsImplicit: return try ALSTrainingJob(spec: train, dataset: dataset, context: context)
        case .baseline: return try BaselineTrainingJob(spec: train, dataset: dataset, context: context)
        case .nmf: return try NMFTrainingJob(spec: train, dataset: dataset, context: context)
        case .itemKNN, .userKNN: return try KNNTrainingJob(spec: train, dataset: dataset, context: context)
        case .content: throw JobError(SVDTrainingJob.contentRefusal)
        }
    }, resume: { spec, dataset, context, state in
        let train = try TrainSpec(parameters: spec.parameters)
        switch train.algorithm {
        case .svd: return try SVDTrainingJob(spec: train, dataset: dataset, context: context, resumingFrom: state)
        case .als, .alsImplicit: return try ALSTrainingJob(spec: train, dataset: dataset, context: context, resumingFrom: state)
        case .baseline, .nmf, .itemKNN, .userKNN, .content: throw JobError("train: \(train.algorithm.rawValue) jobs keep no checkpoints")
        }
    })

    /// Why a content job does not run on a cluster.
    static let contentRefusal = "train: content runs in one process (`cinemesh train DATASET --algo content`): its similarities come from the catalog, which one process handles in seconds"

    /// What a task of the current stage is, by task index.
    enum RunTask {
        /// A block; whether it keeps its item rows, returns them, and keeps a snapshot of them.
        case block(SVDBlockFlow.Block, keeps: Bool, returns: Bool, snapshotsItems: Bool)
        case score(epoch: Int, rows: [Int])
        case collect(epoch: Int, row: Int)
    }

    let spec: TrainSpec
    let dataset: Dataset
    let context: JobContext
    let train: [RatingBlock]
    let trainCount: Int
    let heldOut: HeldOutPartition
    /// Held-out ranges the coordinator scores itself: unknown users, and grid rows without any
    /// training rating (no worker holds them; their rows keep their initial values).
    let coordinatorShare: [Range<Int>]
    let schedule: StratifiedSchedule
    let nonEmpty: [Bool]
    /// Epochs between periodic checkpoints.
    let checkpointEvery: Int

    /// The newest checkpoint: a run starts from it.
    var checkpoint: SVDCheckpoint
    /// The final model, once collected: the stage is then over.
    var result: FramedModel?
    /// Restart the run from the checkpoint (a worker joined and rows are to be spread again).
    var restartPending = false
    /// With a worker that joined: the run restarts once an epoch from this one on is checkpointed.
    var rebalanceFrom: Int?
    var available: [String] = []
    var started = false

    /// Runs started. A block's priority is its place in the sequential order, after every block
    /// of the runs before: a worker still holding tasks of a dropped run (their replies are stale)
    /// runs them before the new run's, which must find the rows only the new run left.
    var runs = 0

    // The run since the last (re)start.
    /// The model the run started from (the checkpoint's): its rows go to workers as payload
    /// until they hold them, and rows no worker ever holds (no training ratings) keep its values.
    var start: FramedModel
    var flow: SVDBlockFlow
    /// Per grid row: the session it is placed on and that holds its newest user rows once a
    /// block of it ran (nil: any, the first to run it keeps it).
    var owner: [String?] = []
    /// Per grid row and column: the sequence number (the block's priority: run, then epoch x
    /// blocks per epoch + index) of its newest block released in this run (nil: none yet; the
    /// row's next block sends its rows).
    var rowSwept: [Int?] = []
    var columnSwept: [Int?] = []
    /// The run's placement when every row is placed from its start (blocks may then go ahead to
    /// their session), else nil.
    var aheadPlacement: [String?]?
    /// Per grid column: the session the column's item rows will wait on for its next block, as
    /// the blocks released so far left them (nil: they come back to the coordinator).
    var itemsHeldBy: [String?] = []
    /// Per grid column: the newest item rows as a block returned them (nil: `start` or a session).
    var itemFrames: [(factors: Frame, biases: Frame)?] = []
    var tasks: [RunTask] = []
    var blocksReleased = 0
    /// The epoch the current stage started from (its checkpoint's).
    var stageFirstEpoch = 0
    var ready: [TaskPlan] = []
    var ledgers: [Int: SVDEpochLedger] = [:]
    /// Reports, costs and early stopping as of the newest closed epoch.
    var reports: [EpochReport] = []
    var costs: [TrainingResult.EpochCost] = []
    var stopper: EarlyStopping
    /// With early stopping: the best epoch so far.
    var bestEpoch: Int?
    /// Epoch models collected and still of use (for a checkpoint, as the best model, or as the
    /// result), by epoch.
    var collectedModels: [Int: FramedModel] = [:]
    /// Early stopping said stop: no more blocks; the run ends once the best model is in.
    var stopping = false
    /// The epoch whose model is the job's result, once known.
    var finalEpoch: Int?
    /// Per session: the grid rows whose held-out ratings were sent there.
    var heldOutSent: [String: Set<Int>] = [:]
    /// When the newest finished epoch ended (or the run started), in milliseconds.
    var lastEpochEnded: UInt64 = 0

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = spec
        self.dataset = dataset
        self.context = context
        let (train, evaluation) = try spec.trainingData(dataset, context: context)
        self.train = train
        trainCount = train.reduce(0) { $0 + $1.count }
        let grid = dataset.grid
        let partition = HeldOutPartition(evaluation, grid: grid), filled = train.map { $0.count > 0 }
        heldOut = partition
        nonEmpty = filled
        coordinatorShare = [partition.unknownUsers] + (0 ..< grid.rows).filter { r in
            !(0 ..< grid.columns).contains { filled[r * grid.columns + $0] }
        }.map { partition.rows[$0] }
        schedule = StratifiedSchedule(grid: grid, seed: spec.svd.seed)
        checkpointEvery = spec.checkpointEvery
        let initial = SVDTrainer.initialModel(spec.svd, train: train, users: dataset.manifest.users, items: dataset.manifest.items)
        checkpoint = SVDCheckpoint(epochs: 0, model: FramedModel(initial, grid: grid), reports: [], costs: [],
                                   stopper: EarlyStopping(patience: spec.svd.earlyStoppingPatience))
        start = checkpoint.model
        stopper = checkpoint.stopper
        flow = SVDBlockFlow(grid: grid, schedule: schedule, nonEmpty: nonEmpty, epochs: 0 ..< 0)
    }

    /// The job resumed after a coordinator restart from a checkpoint's state (`latestCheckpoint`):
    /// the next run starts from it, as after a lost worker.
    convenience init(spec: TrainSpec, dataset: Dataset, context: JobContext, resumingFrom state: [UInt8]) throws {
        try self.init(spec: spec, dataset: dataset, context: context)
        checkpoint = try SVDCheckpoint(decoding: state, initial: checkpoint, total: spec.svd.epochs)
        start = checkpoint.model
        stopper = checkpoint.stopper
    }

    public func nextStage() throws -> StagePlan? {
        guard result == nil else { return nil }
        started = true
        restartPending = false
        rebalanceFrom = nil
        let plan = startRun()
        if plan.tasks.isEmpty {
            // Nothing to train (no epochs, no training ratings, or a checkpoint after the last epoch
            // or where early stopping stopped): the checkpoint is the model.
            result = checkpoint.best?.model ?? checkpoint.model
            return nil
        }
        return plan
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        let entered = MonotonicClock.nanoseconds()
        let epoch: Int
        switch tasks[index] {
        case .block(let block, let keeps, let returns, let snapshotsItems):
            epoch = block.epoch
            try acceptBlock(block, keeps: keeps, returns: returns, snapshotsItems: snapshotsItems, output: output, payload: payload, worker: worker)
        case .score(let e, let rows):
            epoch = e
            try acceptScore(epoch: e, rows: rows, output: output)
        case .collect(let e, let row):
            epoch = e
            try acceptCollect(epoch: e, row: row, output: output, payload: payload)
        }
        try settle()
        if !stopping && !restartPending && result == nil { releaseBlocks() }
        ledgers[epoch]?.driverSeconds += Double(MonotonicClock.nanoseconds() - entered) / 1e9
    }

    public func releasedTasks() -> [TaskPlan] {
        defer { ready = [] }
        return ready
    }

    public var stageExtent: StageExtent? {
        StageExtent(total: tasks.count + expectedTasks, isOver: result != nil || restartPending)
    }

    public func workersAvailable(_ sessions: [String]) {
        available = sessions
        guard started, result == nil, !restartPending, rebalanceFrom == nil, RowPlacement.isStale(owner, sessions: sessions),
              let next = (checkpoint.epochs ..< spec.svd.epochs).first(where: { !(ledgers[$0]?.isDone ?? false) }) else { return }
        // Spread the rows again from a checkpoint of the epoch in flight.
        rebalanceFrom = next
    }

    public func workerLost(_ session: String) -> Bool {
        guard started, result == nil else { return false }
        let holds = owner.contains(session) || itemsHeldBy.contains(session)
            || ledgers.values.contains { $0.needsSnapshots && $0.snapshots.contains(session) }
        return holds   // the coordinator drops the stage and asks for the next: a run from the checkpoint
    }

    public func finish() throws -> JobOutcome {
        try TrainingResult.publish(algorithm: "svd", hyperparameters: .svd(spec.svd), model: try (result ?? checkpoint.model).assembled(), reports: reports,
                                   evaluation: heldOut.evaluation, train: train, dataset: dataset, context: context, stoppedEarly: stopping, spec: spec,
                                   costs: costs)
    }

    /// The newest checkpoint once an epoch is in one (every `checkpointEvery` epochs, each new best
    /// epoch under early stopping, the last): its models are assembled off the loop.
    public var latestCheckpoint: JobCheckpoint? {
        guard checkpoint.epochs > 0 else { return nil }
        let c = checkpoint
        return JobCheckpoint(step: c.epochs, progress: "epoch \(c.epochs) of \(spec.svd.epochs)") { try c.encoded() }
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["epoch": Double(min(reports.count + (result == nil ? 1 : 0), spec.svd.epochs))]
        if let last = reports.last {
            m["train_rmse"] = last.trainRMSE
            if let t = last.testRMSE { m["test_rmse"] = t }
        }
        return m
    }
}
