import CineMeshData
import CineMeshStore

/// One task of a stage, as the coordinator plans it.
public struct TaskPlan: Sendable {
    /// The worker-side runner (`TaskRunners`) that executes it.
    public var kind: String
    public var parameters: [String: String]
    /// Files the worker must hold (fetched from the coordinator when missing from its cache).
    public var files: [FileRef]
    /// Bulk inputs, sent as raw payload frames.
    public var payload: [Frame]
    /// The worker session (`Scheduler.Worker.session`) that must run it, because it holds state
    /// the task needs; nil: any worker.
    public var affinity: String?
    /// Among the tasks waiting for the same session, lower goes first (then queue order): a
    /// driver whose tasks feed other sessions' tasks sends those first.
    public var priority: Int

    public init(kind: String, parameters: [String: String] = [:], files: [FileRef] = [], payload: [Frame] = [], affinity: String? = nil,
                priority: Int = 0) {
        self.kind = kind
        self.parameters = parameters
        self.files = files
        self.payload = payload
        self.affinity = affinity
        self.priority = priority
    }
}

/// A stage: tasks that may run in any order and on any workers. A dataflow stage starts with
/// the tasks that can run now and declares how many it will have in all (`total`): the driver
/// adds the rest through `JobDriver.releasedTasks()` as the tasks they wait for finish, and the
/// stage ends once all `total` are accepted.
public struct StagePlan: Sendable {
    public var name: String
    public var tasks: [TaskPlan]
    /// Tasks in the stage in all, added ones included (at least `tasks.count`).
    public var total: Int

    public init(name: String, tasks: [TaskPlan], total: Int? = nil) {
        self.name = name
        self.tasks = tasks
        self.total = max(total ?? tasks.count, tasks.count)
    }
}

/// How far a dataflow stage has come whose length depends on its own results (a training run
/// that may stop early, or start again from a checkpoint): the tasks it now expects in all, and
/// whether the driver needs no more of them.
public struct StageExtent: Sendable, Equatable {
    /// Tasks the stage has had and still expects (shown as its progress).
    public var total: Int
    /// The stage is over: the coordinator drops its outstanding tasks (their replies become
    /// stale) and asks for the next stage.
    public var isOver: Bool

    public init(total: Int, isOver: Bool) {
        self.total = total
        self.isOver = isOver
    }
}

/// What a finished job leaves in the registry.
public struct JobOutcome: Sendable {
    /// The result as JSON.
    public var result: String
    /// A few lines for people.
    public var summary: String
    /// The model the job published into the coordinator's store, if any: model subscribers are
    /// told of it.
    public var model: ModelRecord?

    public init(result: String, summary: String, model: ModelRecord? = nil) {
        self.result = result
        self.summary = summary
        self.model = model
    }
}

/// The coordinator side of a job type: plans stages, merges each task's output, and produces the
/// result. Runs on the coordinator's loop thread only; never touches sockets.
public protocol JobDriver: AnyObject {
    /// The next stage, or nil when every stage has run. Called once at the start and again each
    /// time all tasks of the current stage have been accepted.
    func nextStage() throws -> StagePlan?
    /// Merges the output of task `index` of the current stage, run by worker session `worker`.
    /// Called exactly once per task.
    func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws
    /// The worker sessions registered now, told before each `nextStage()` and whenever a worker
    /// registers: a driver that places state on workers may spread it over ones that joined since.
    func workersAvailable(_ sessions: [String])
    /// Tasks of the current (dataflow) stage made ready by the tasks accepted since the last call:
    /// queued at once, with the stage's next task indices in order. Called after each `accept`.
    func releasedTasks() -> [TaskPlan]
    /// For a stage whose length the driver decides as it goes, its extent, read after each
    /// `accept`; nil (the default) for stages that have their plan's `total` tasks and end when
    /// all of them are merged.
    var stageExtent: StageExtent? { get }
    /// A worker session ended (died, left, reconnected). Returns true when the driver has lost
    /// state it needs and rolled itself back: the coordinator then drops the current stage and asks
    /// `nextStage()` again. Not called once `nextStage()` has returned nil (`finish` may be running).
    func workerLost(_ session: String) -> Bool
    /// The job's result, after `nextStage()` returned nil.
    func finish() throws -> JobOutcome
    /// Live figures shown by `cinemesh status`.
    var metrics: [String: Double] { get }
    /// The newest point the job could go on from after a coordinator restart, read after each
    /// `accept` and each `nextStage()`; nil (the default) before the first, and for job types that
    /// start again from the beginning when resumed.
    var latestCheckpoint: JobCheckpoint? { get }
}

extension JobDriver {
    /// Jobs whose tasks hold no state on workers lose nothing with a worker.
    public func workerLost(_ session: String) -> Bool { false }
    /// Jobs that keep no state on workers let the scheduler spread their tasks.
    public func workersAvailable(_ sessions: [String]) {}
    /// Stage-by-stage jobs plan every task of a stage up front.
    public func releasedTasks() -> [TaskPlan] { [] }
    public var stageExtent: StageExtent? { nil }
    /// Short or stateless jobs keep no checkpoint: a restarted coordinator runs them again.
    public var latestCheckpoint: JobCheckpoint? { nil }
}

/// What a job's driver may use on the coordinator besides its spec and dataset.
public struct JobContext: Sendable {
    /// The coordinator's model store, where training jobs publish their models.
    public var modelsDirectory: String
    /// Where dataset names (not absolute paths) in job specs are looked up.
    public var datasetsDirectory: String
    /// Whether specs may name datasets inside `datasetsDirectory` only (no absolute path, no
    /// `..`): so on a coordinator under CURVE, whose clients are on other boxes.
    public var namesOnly: Bool

    public init(modelsDirectory: String, datasetsDirectory: String, namesOnly: Bool = false) {
        self.modelsDirectory = modelsDirectory
        self.datasetsDirectory = datasetsDirectory
        self.namesOnly = namesOnly
    }

    /// The directory a job spec's dataset reference names: an absolute path as it is (unless
    /// `namesOnly`), a name inside the datasets directory.
    public func path(of reference: String) throws(JobError) -> String {
        let escapes = reference.split(separator: "/").contains("..")
        if namesOnly && (reference.hasPrefix("/") || escapes) {
            throw JobError("dataset '\(reference)': this coordinator takes dataset names in its datasets directory, not paths (`cinemesh ingest` there, or copy the dataset into \(datasetsDirectory))")
        }
        if escapes { throw JobError("dataset '\(reference)': a name may not climb out of the datasets directory with '..'") }
        return reference.hasPrefix("/") ? reference : FileSystem.join(datasetsDirectory, reference)
    }
}

/// A job type: its name, a quick check of a spec's parameters, and how to make its driver, from
/// the start or from a checkpoint.
public struct JobType: Sendable {
    public var name: String
    public var summary: String
    /// Refuses bad parameters at SUBMIT, before anything is recorded. Must be quick.
    public var validate: @Sendable (JobSpec) throws -> Void
    /// Makes the driver: may load and split the whole dataset, so the coordinator runs it off its
    /// loop thread while the job is `queued`.
    public var makeDriver: @Sendable (JobSpec, Dataset, JobContext) throws -> any JobDriver
    /// Makes the driver of a job resumed after a coordinator restart from the state its driver's
    /// `latestCheckpoint` encoded, off the loop like `makeDriver`; nil for types whose drivers keep no
    /// checkpoints. A throw (a state this build cannot read) makes the coordinator start the job
    /// again from the beginning instead.
    public var resume: (@Sendable (JobSpec, Dataset, JobContext, _ state: [UInt8]) throws -> any JobDriver)?

    public init(name: String, summary: String, validate: @escaping @Sendable (JobSpec) throws -> Void,
                makeDriver: @escaping @Sendable (JobSpec, Dataset, JobContext) throws -> any JobDriver,
                resume: (@Sendable (JobSpec, Dataset, JobContext, _ state: [UInt8]) throws -> any JobDriver)? = nil) {
        self.name = name
        self.summary = summary
        self.validate = validate
        self.makeDriver = makeDriver
        self.resume = resume
    }
}

/// A job that cannot start or go on: bad parameters, a damaged dataset, a task that failed.
public struct JobError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
