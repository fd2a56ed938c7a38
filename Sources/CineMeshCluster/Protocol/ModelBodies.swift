import CineMeshStore

/// JSON bodies of the model subscription (docs/PROTOCOL.md, section "Model subscribers").

/// WATCH-MODELS: a subscriber (a gateway) subscribes, or says it is still there; sent on connect
/// and every heartbeat interval.
public struct WatchModelsBody: Codable, Sendable, Equatable {
    /// The newest model version the subscriber holds; 0 for none.
    public var newest: Int
    /// The model names the subscriber follows (absent: any); WATCHING's `newest` is then the
    /// newest model of these names.
    public var names: [String]?
    public init(newest: Int, names: [String]? = nil) {
        self.newest = newest
        self.names = names
    }
}

/// One model version of the coordinator's store, as MODEL-PUBLISHED announces it: enough to fetch
/// the file by content and install it under the same version number.
public struct ModelNotice: Codable, Sendable, Equatable {
    public var version: Int
    /// The model's name (absent from coordinators before names: `DATASET/ALGORITHM` then).
    public var name: String?
    public var algorithm: String
    public var dataset: String
    /// The file's name in the coordinator's store.
    public var file: String
    public var bytes: UInt64
    /// XXH64 of the whole file: the name to FETCH it by.
    public var xxh64: String
    /// When the coordinator's store registered it (ISO 8601 UTC).
    public var createdAt: String

    public init(_ record: ModelRecord) {
        version = record.version
        name = record.name
        algorithm = record.algorithm
        dataset = record.dataset
        file = record.file
        bytes = UInt64(record.bytes)
        xxh64 = record.xxh64
        createdAt = record.createdAt
    }

    /// The model's name, or the default name a coordinator before names implied.
    public var modelName: String { name ?? "\(dataset)/\(algorithm)" }

    /// The file as a transfer names it.
    public var fileRef: FileRef { FileRef(xxh64: xxh64, bytes: bytes, name: file) }
}

/// WATCHING: the answer to every WATCH-MODELS: the rules the subscriber follows and the newest
/// model the coordinator has published.
public struct WatchingBody: Codable, Sendable, Equatable {
    public var coordinatorId: String
    /// How often to send WATCH-MODELS; the coordinator forgets a subscriber silent for
    /// `heartbeatMilliseconds` x `liveness`, and the subscriber treats the coordinator as gone
    /// after as long without a message.
    public var heartbeatMilliseconds: Int
    public var liveness: Int
    /// FETCH sizes and how many may be in flight.
    public var chunkBytes: Int
    public var window: Int
    /// Nil until the coordinator has a model.
    public var newest: ModelNotice?

    public init(coordinatorId: String, heartbeatMilliseconds: Int, liveness: Int, chunkBytes: Int, window: Int, newest: ModelNotice?) {
        self.coordinatorId = coordinatorId
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.liveness = liveness
        self.chunkBytes = chunkBytes
        self.window = window
        self.newest = newest
    }
}
