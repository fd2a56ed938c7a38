/// Every command of the CineMesh cluster protocol (docs/PROTOCOL.md), one byte on the wire.
public enum Command: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    // Worker channel (worker DEALER <-> coordinator ROUTER).
    case ready = 0x01
    case welcome = 0x02
    case heartbeat = 0x03
    case task = 0x04
    /// Also on the client channel, where model subscribers fetch model files.
    case fetch = 0x05
    case chunk = 0x06
    case result = 0x07
    case failed = 0x08
    case disconnect = 0x09
    /// An error reply. Its code stays 0x0A in every protocol version so that a peer speaking
    /// another version can still read why it was refused.
    case error = 0x0A
    /// A job is over: the worker drops what it keeps for it and its tasks not started.
    case jobEnded = 0x0B

    // Client channel (client DEALER <-> coordinator ROUTER).
    case submit = 0x20
    case listJobs = 0x21
    case jobStatus = 0x22
    case cancel = 0x23
    case listWorkers = 0x24
    /// Model subscribers (gateways): the subscription and its keep-alive, its answer, the push.
    case watchModels = 0x25
    case watching = 0x26
    case modelPublished = 0x27
    case reply = 0x2F

    /// The coordinator endpoint a command travels through (docs/PROTOCOL.md, section 4).
    public enum Channel: Sendable {
        case workers, clients, both
    }

    public var channel: Channel {
        switch self {
        case .ready, .welcome, .heartbeat, .task, .result, .failed, .disconnect, .jobEnded: .workers
        case .fetch, .chunk, .error: .both
        case .submit, .listJobs, .jobStatus, .cancel, .listWorkers, .watchModels, .watching, .modelPublished, .reply: .clients
        }
    }

    public var description: String {
        switch self {
        case .ready: "READY"
        case .welcome: "WELCOME"
        case .heartbeat: "HEARTBEAT"
        case .task: "TASK"
        case .fetch: "FETCH"
        case .chunk: "CHUNK"
        case .result: "RESULT"
        case .failed: "FAILED"
        case .disconnect: "DISCONNECT"
        case .jobEnded: "JOB-ENDED"
        case .error: "ERROR"
        case .submit: "SUBMIT"
        case .listJobs: "LIST-JOBS"
        case .jobStatus: "JOB-STATUS"
        case .cancel: "CANCEL"
        case .listWorkers: "LIST-WORKERS"
        case .watchModels: "WATCH-MODELS"
        case .watching: "WATCHING"
        case .modelPublished: "MODEL-PUBLISHED"
        case .reply: "REPLY"
        }
    }
}
