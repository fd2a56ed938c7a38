/// Everything the registry knows about one job; also what `JOB-STATUS` and `LIST-JOBS` return.
public struct JobRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var type: String
    public var dataset: String
    public var spec: JobSpec
    public var state: JobState
    /// The stage running or last run ("" before the first).
    public var stage: String
    public var stageIndex: Int
    public var tasksDone: Int
    public var tasksTotal: Int
    /// Attempts that were started again (dead workers, retryable failures).
    public var retries: Int
    /// Seconds since 1970.
    public var submittedAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?
    /// The job type's result as JSON (set when the job succeeded).
    public var result: String?
    /// A few lines for people (set when the job succeeded).
    public var summary: String?
    /// Live figures the job type reports (per-epoch metrics, rows done, ...).
    public var metrics: [String: Double]
    /// The newest durable checkpoint of a running job, as its driver tells its progress (`epoch 3
    /// of 10`): a coordinator restarted on the same state directory resumes the job from it.
    public var checkpoint: String?

    public init(id: Int64, spec: JobSpec, submittedAt: Double) {
        self.id = id
        type = spec.type
        dataset = spec.dataset
        self.spec = spec
        state = .queued
        stage = ""
        stageIndex = 0
        tasksDone = 0
        tasksTotal = 0
        retries = 0
        self.submittedAt = submittedAt
        metrics = [:]
    }
}
