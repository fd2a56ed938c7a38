/// JSON bodies of the client channel (docs/PROTOCOL.md, section "Client channel").

/// JOB-STATUS and CANCEL: which job.
public struct JobQuery: Codable, Sendable, Equatable {
    public var job: Int64
    public init(job: Int64) { self.job = job }
}

/// LIST-JOBS: how many of the newest jobs.
public struct JobListQuery: Codable, Sendable, Equatable {
    public var limit: Int
    public init(limit: Int) { self.limit = limit }
}

/// One worker as LIST-WORKERS reports it.
public struct WorkerInfo: Codable, Sendable, Equatable {
    public var workerId: String
    public var host: String
    /// The name its CURVE key has on the allow-list (the box's name in `cinemesh cluster`'s
    /// hosts file); absent on plain TCP.
    public var key: String?
    public var pid: Int32
    public var capacity: WorkerCapacity
    /// "idle", or the task it runs ("job 3 task 12 attempt 14").
    public var activity: String
    public var tasksDone: Int
    /// Milliseconds since the coordinator last heard from it.
    public var silentMilliseconds: Int
    /// Seconds since it registered.
    public var upSeconds: Double

    public init(workerId: String, host: String, key: String? = nil, pid: Int32, capacity: WorkerCapacity, activity: String,
                tasksDone: Int, silentMilliseconds: Int, upSeconds: Double) {
        self.workerId = workerId
        self.host = host
        self.key = key
        self.pid = pid
        self.capacity = capacity
        self.activity = activity
        self.tasksDone = tasksDone
        self.silentMilliseconds = silentMilliseconds
        self.upSeconds = upSeconds
    }
}

/// Where a running coordinator can be reached; written to `endpoints.json` in its state
/// directory once every socket is bound (ports chosen by the system are resolved).
public struct CoordinatorEndpoints: Codable, Sendable, Equatable {
    public var workers: String
    public var clients: String
    /// `HOST:PORT` of `/metrics`, when enabled.
    public var metrics: String?
    public var pid: Int32

    public init(workers: String, clients: String, metrics: String?, pid: Int32) {
        self.workers = workers
        self.clients = clients
        self.metrics = metrics
        self.pid = pid
    }

    public static let fileName = "endpoints.json"
}
