/// JSON bodies of the worker channel's messages (docs/PROTOCOL.md, section "Worker channel").

/// What a worker offers: sent in READY.
public struct WorkerCapacity: Codable, Sendable, Equatable {
    public var cores: Int
    public var memoryBytes: UInt64
    public var diskFreeBytes: UInt64

    public init(cores: Int, memoryBytes: UInt64, diskFreeBytes: UInt64) {
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.diskFreeBytes = diskFreeBytes
    }
}

/// READY: a worker registers (or re-registers after a reconnect).
public struct ReadyBody: Codable, Sendable, Equatable {
    /// Stable across restarts of the same worker (kept in its cache directory).
    public var workerId: String
    public var host: String
    public var pid: Int32
    public var capacity: WorkerCapacity
    /// Content names (xxh64) of the files the worker's cache holds, so tasks can go where their
    /// data already is.
    public var cached: [String]
    /// How many tasks the worker takes at once: it runs them one after another in the order
    /// received, so the next task's input arrives while the current one runs. Absent means 1.
    public var slots: Int?

    public init(workerId: String, host: String, pid: Int32, capacity: WorkerCapacity, cached: [String], slots: Int? = nil) {
        self.workerId = workerId
        self.host = host
        self.pid = pid
        self.capacity = capacity
        self.cached = cached
        self.slots = slots
    }
}

/// WELCOME: the coordinator accepts a worker and tells it the liveness rules.
public struct WelcomeBody: Codable, Sendable, Equatable {
    public var coordinatorId: String
    public var heartbeatMilliseconds: Int
    public var liveness: Int
    public var chunkBytes: Int
    public var window: Int

    public init(coordinatorId: String, heartbeatMilliseconds: Int, liveness: Int, chunkBytes: Int, window: Int) {
        self.coordinatorId = coordinatorId
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.liveness = liveness
        self.chunkBytes = chunkBytes
        self.window = window
    }
}

/// A file a task needs, named by content: the XXH64 of its bytes (16 hex digits) and its size.
public struct FileRef: Codable, Sendable, Hashable {
    public var xxh64: String
    public var bytes: UInt64
    /// The file's name in the coordinator's dataset (for logs only; the cache is keyed by content).
    public var name: String

    public init(xxh64: String, bytes: UInt64, name: String) {
        self.xxh64 = xxh64
        self.bytes = bytes
        self.name = name
    }
}

/// TASK: one attempt of one task. Payload frames, if any, are the task's bulk inputs.
public struct TaskBody: Codable, Sendable, Equatable {
    public var job: Int64
    public var task: Int
    /// Unique per job across all tasks and retries; a reply quoting an older attempt is ignored.
    public var attempt: Int
    /// The task runner to use on the worker (`stats-block`, ...).
    public var kind: String
    public var stage: String
    /// Runner-specific parameters.
    public var parameters: [String: String]
    public var files: [FileRef]
    /// Of the tasks a worker holds, lower runs first (then the order received); absent: 0.
    public var priority: Int?

    public init(job: Int64, task: Int, attempt: Int, kind: String, stage: String, parameters: [String: String], files: [FileRef],
                priority: Int? = nil) {
        self.job = job
        self.task = task
        self.attempt = attempt
        self.kind = kind
        self.stage = stage
        self.parameters = parameters
        self.files = files
        self.priority = priority
    }
}

/// FETCH: the worker asks for bytes [offset, offset + length) of a file it lacks.
public struct FetchBody: Codable, Sendable, Equatable {
    public var xxh64: String
    public var offset: UInt64
    public var length: Int

    public init(xxh64: String, offset: UInt64, length: Int) {
        self.xxh64 = xxh64
        self.offset = offset
        self.length = length
    }
}

/// CHUNK: the bytes asked for, in one raw payload frame. `error` set (and no payload) when the
/// coordinator cannot serve the file.
public struct ChunkBody: Codable, Sendable, Equatable {
    public var xxh64: String
    public var offset: UInt64
    public var error: String?

    public init(xxh64: String, offset: UInt64, error: String? = nil) {
        self.xxh64 = xxh64
        self.offset = offset
        self.error = error
    }
}

/// RESULT: an attempt finished. `output` is the runner's small result; bulk results travel as
/// payload frames.
public struct ResultBody: Codable, Sendable, Equatable {
    public var job: Int64
    public var task: Int
    public var attempt: Int
    public var output: [String: String]
    public var seconds: Double

    public init(job: Int64, task: Int, attempt: Int, output: [String: String], seconds: Double) {
        self.job = job
        self.task = task
        self.attempt = attempt
        self.output = output
        self.seconds = seconds
    }
}

/// FAILED: an attempt could not finish. `retryable` false means retrying elsewhere cannot help
/// (bad parameters, damaged input), so the coordinator fails the job at once.
public struct FailedBody: Codable, Sendable, Equatable {
    public var job: Int64
    public var task: Int
    public var attempt: Int
    public var message: String
    public var retryable: Bool
    /// The task came before its inputs (true only with `retryable`): run it again later, without
    /// counting the attempt. Absent means false.
    public var notReady: Bool?

    public init(job: Int64, task: Int, attempt: Int, message: String, retryable: Bool, notReady: Bool = false) {
        self.job = job
        self.task = task
        self.attempt = attempt
        self.message = message
        self.retryable = retryable
        self.notReady = notReady ? true : nil
    }
}

/// JOB-ENDED: job `job` succeeded, failed or was cancelled.
public struct JobEndedBody: Codable, Sendable, Equatable {
    public var job: Int64
    public init(job: Int64) { self.job = job }
}

/// DISCONNECT: the sender is going away (shutdown) or no longer knows the peer.
public struct DisconnectBody: Codable, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// ERROR: the sender refused a message. `code` is one of `ProtocolError.code`'s values, or
/// `bad-request`, `bad-dataset`, `not-found`, `unavailable` on the client channel.
public struct ErrorBody: Codable, Sendable, Equatable, Error {
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
