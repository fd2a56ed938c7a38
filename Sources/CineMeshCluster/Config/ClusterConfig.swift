import Foundation

/// Every setting of a CineMesh cluster, with defaults that run a cluster on loopback.
///
/// Read with `ClusterConfig.load(file:environment:overrides:)`: defaults, then the TOML file
/// (`config/cluster.toml` documents every key), then environment variables
/// `CINEMESH_<TABLE>_<KEY>` (for example `CINEMESH_HEARTBEAT_INTERVAL_MS=500`), then
/// `--set table.key=value` flags. An unknown key or a bad value stops start-up with an error
/// naming the file and line, the variable or the flag.
public struct ClusterConfig: Sendable, Equatable {
    // [coordinator]
    /// ZeroMQ endpoint the coordinator binds for workers (ROUTER).
    public var coordinatorWorkersEndpoint = "tcp://127.0.0.1:7700"
    /// ZeroMQ endpoint the coordinator binds for clients: submit, jobs, status (ROUTER).
    public var coordinatorClientsEndpoint = "tcp://127.0.0.1:7701"
    /// Job registry (SQLite) and the coordinator's own files.
    public var coordinatorStateDirectory = ".cinemesh/coordinator"
    /// Where dataset names in job specs are looked up (a spec may also give an absolute path).
    public var coordinatorDatasetsDirectory = ".cinemesh/datasets"
    /// `HOST:PORT` of the Prometheus `/metrics` endpoint; empty turns it off, port 0 picks one.
    public var coordinatorMetrics = "127.0.0.1:9700"
    /// Attempts per task before its job fails (a dead worker's attempt counts).
    public var coordinatorMaxAttempts = 3

    // [worker]
    /// The coordinator's workers endpoint.
    public var workerCoordinator = "tcp://127.0.0.1:7700"
    /// Shard cache and the worker's stable id.
    public var workerCacheDirectory = ".cinemesh/worker"
    /// Worker id; empty: generated once and kept in the cache directory.
    public var workerId = ""
    /// `HOST:PORT` of the worker's `/metrics` endpoint; empty turns it off.
    public var workerMetrics = ""

    // [gateway]
    /// The coordinator's clients endpoint a gateway follows for new models (`cinemesh gateway
    /// --coordinator`); empty: the gateway polls its `--models` store instead.
    public var gatewayCoordinator = ""
    /// The port a gateway listens on unless `--port` says otherwise (0: any free port).
    public var gatewayPort = 8080
    /// A file holding the bearer token `/v1/query` and admin routes need (mode 0600); empty: no
    /// token, allowed only on a loopback address.
    public var gatewayTokenFile = ""
    /// Requests per second each client address may send to the public `/v1/` routes (0: no limit).
    public var gatewayRateLimit = 1000
    /// Requests a client may send at once above the rate.
    public var gatewayRateBurst = 2000

    // [heartbeat]
    public var heartbeatIntervalMilliseconds = 1000
    /// Intervals of silence after which a peer is declared dead.
    public var heartbeatLiveness = 3
    public var reconnectInitialMilliseconds = 1000
    public var reconnectMaximumMilliseconds = 32000

    // [transfer]
    /// Bytes per CHUNK when shipping shard files.
    public var transferChunkBytes = 1 << 20
    /// FETCH requests a worker keeps in flight (credit-based flow control).
    public var transferWindow = 4

    // [client]
    /// The coordinator's clients endpoint, for `submit`, `jobs`, `status`, `cancel`, `workers`.
    public var clientCoordinator = "tcp://127.0.0.1:7701"
    public var clientTimeoutMilliseconds = 5000

    // [security]
    /// The directory of this box's CURVE keys (docs/SECURITY.md); empty: plain TCP, loopback only.
    public var securityKeysDirectory = ""

    // [log]
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel = "info"

    public init() {}

    /// Milliseconds of silence after which a peer is dead.
    public var deadAfterMilliseconds: Int { heartbeatIntervalMilliseconds * heartbeatLiveness }
}

extension ClusterConfig {
    enum Kind { case string, integer(ClosedRange<Int>), logLevel }

    // Key paths to stored properties are immutable values.
    struct Key: @unchecked Sendable {
        let kind: Kind
        let string: WritableKeyPath<ClusterConfig, String>?
        let integer: WritableKeyPath<ClusterConfig, Int>?
    }

    static let keys: [String: Key] = [
        "coordinator.workers_endpoint": .init(kind: .string, string: \.coordinatorWorkersEndpoint, integer: nil),
        "coordinator.clients_endpoint": .init(kind: .string, string: \.coordinatorClientsEndpoint, integer: nil),
        "coordinator.state_dir": .init(kind: .string, string: \.coordinatorStateDirectory, integer: nil),
        "coordinator.datasets_dir": .init(kind: .string, string: \.coordinatorDatasetsDirectory, integer: nil),
        "coordinator.metrics": .init(kind: .string, string: \.coordinatorMetrics, integer: nil),
        "coordinator.max_attempts": .init(kind: .integer(1 ... 100), string: nil, integer: \.coordinatorMaxAttempts),
        "worker.coordinator": .init(kind: .string, string: \.workerCoordinator, integer: nil),
        "worker.cache_dir": .init(kind: .string, string: \.workerCacheDirectory, integer: nil),
        "worker.id": .init(kind: .string, string: \.workerId, integer: nil),
        "worker.metrics": .init(kind: .string, string: \.workerMetrics, integer: nil),
        "gateway.coordinator": .init(kind: .string, string: \.gatewayCoordinator, integer: nil),
        "gateway.port": .init(kind: .integer(0 ... 65535), string: nil, integer: \.gatewayPort),
        "gateway.token_file": .init(kind: .string, string: \.gatewayTokenFile, integer: nil),
        "gateway.rate_limit": .init(kind: .integer(0 ... 10_000_000), string: nil, integer: \.gatewayRateLimit),
        "gateway.rate_burst": .init(kind: .integer(1 ... 10_000_000), string: nil, integer: \.gatewayRateBurst),
        "heartbeat.interval_ms": .init(kind: .integer(10 ... 60000), string: nil, integer: \.heartbeatIntervalMilliseconds),
        "heartbeat.liveness": .init(kind: .integer(1 ... 100), string: nil, integer: \.heartbeatLiveness),
        "heartbeat.reconnect_initial_ms": .init(kind: .integer(10 ... 600_000), string: nil, integer: \.reconnectInitialMilliseconds),
        "heartbeat.reconnect_max_ms": .init(kind: .integer(10 ... 600_000), string: nil, integer: \.reconnectMaximumMilliseconds),
        "transfer.chunk_bytes": .init(kind: .integer(4096 ... 64 << 20), string: nil, integer: \.transferChunkBytes),
        "transfer.window": .init(kind: .integer(1 ... 64), string: nil, integer: \.transferWindow),
        "client.coordinator": .init(kind: .string, string: \.clientCoordinator, integer: nil),
        "client.timeout_ms": .init(kind: .integer(100 ... 600_000), string: nil, integer: \.clientTimeoutMilliseconds),
        "security.keys_dir": .init(kind: .string, string: \.securityKeysDirectory, integer: nil),
        "log.level": .init(kind: .logLevel, string: \.logLevel, integer: nil),
    ]

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads the configuration: defaults < `file` < `environment` < `overrides` ("table.key=value").
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String] = []) throws(ConfigError) -> ClusterConfig {
        var config = ClusterConfig()
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(origin: file, "cannot read the configuration file")
            }
            let doc = try TOMLDocument(parsing: text, file: file)
            for key in doc.keys {
                try config.set(key, doc.entries[key]!.value, origin: doc.origin(of: key))
            }
        }
        let tables = Set(keys.keys.map { String($0.split(separator: ".")[0]) })
        for (name, raw) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("CINEMESH_") {
            let rest = name.dropFirst("CINEMESH_".count).lowercased()
            guard let table = tables.first(where: { rest.hasPrefix($0 + "_") }) else { continue }
            let key = "\(table).\(rest.dropFirst(table.count + 1))"
            try config.set(key, text: raw, origin: "environment variable \(name)")
        }
        for override in overrides {
            guard let eq = override.firstIndex(of: "=") else {
                throw ConfigError(origin: "--set \(override)", "expected TABLE.KEY=VALUE")
            }
            try config.set(String(override[..<eq]), text: String(override[override.index(after: eq)...]),
                           origin: "--set \(override)")
        }
        try config.validate()
        return config
    }

    /// Sets `key` from an unparsed string (environment variables and flags).
    mutating func set(_ key: String, text: String, origin: String) throws(ConfigError) {
        guard let def = Self.keys[key] else { throw Self.unknown(key, origin) }
        switch def.kind {
        case .integer:
            guard let n = Int64(text.replacingOccurrences(of: "_", with: "")) else {
                throw ConfigError(origin: origin, "'\(key)' must be an integer, not '\(text)'")
            }
            try set(key, .integer(n), origin: origin)
        case .string, .logLevel:
            try set(key, .string(text), origin: origin)
        }
    }

    /// Sets `key` ("table.key") to a TOML value; `origin` names where it came from in errors.
    public mutating func set(_ key: String, _ value: TOMLDocument.Value, origin: String) throws(ConfigError) {
        guard let def = Self.keys[key] else { throw Self.unknown(key, origin) }
        switch (def.kind, value) {
        case (.integer(let range), .integer(let n)):
            guard let v = Int(exactly: n), range.contains(v) else {
                throw ConfigError(origin: origin, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), not \(n)")
            }
            self[keyPath: def.integer!] = v
        case (.string, .string(let s)):
            self[keyPath: def.string!] = s
        case (.logLevel, .string(let s)):
            guard Self.logLevels.contains(s) else {
                throw ConfigError(origin: origin, "'\(key)' must be one of \(Self.logLevels.joined(separator: ", ")), not '\(s)'")
            }
            self[keyPath: def.string!] = s
        case (.integer, _):
            throw ConfigError(origin: origin, "'\(key)' must be an integer")
        case (.string, _), (.logLevel, _):
            throw ConfigError(origin: origin, "'\(key)' must be a string (in quotes)")
        }
    }

    static func unknown(_ key: String, _ origin: String) -> ConfigError {
        let known = keys.keys.sorted()
        let table = key.split(separator: ".").first.map(String.init) ?? key
        let near = known.filter { $0.hasPrefix(table + ".") }
        let hint = near.isEmpty ? "known tables: \(Set(known.map { $0.split(separator: ".")[0] }).sorted().joined(separator: ", "))"
            : "known keys: \(near.joined(separator: ", "))"
        return ConfigError(origin: origin, "unknown key '\(key)' (\(hint))")
    }

    /// Checks what no single key can: endpoints that are ZeroMQ endpoints, metrics that are
    /// HOST:PORT, backoff bounds in order.
    public func validate() throws(ConfigError) {
        let optional = gatewayCoordinator.isEmpty ? [] : [("gateway.coordinator", gatewayCoordinator)]
        for (key, value) in [("coordinator.workers_endpoint", coordinatorWorkersEndpoint),
                             ("coordinator.clients_endpoint", coordinatorClientsEndpoint),
                             ("worker.coordinator", workerCoordinator), ("client.coordinator", clientCoordinator)] + optional {
            guard value.hasPrefix("tcp://") || value.hasPrefix("ipc://") || value.hasPrefix("inproc://") else {
                throw ConfigError(origin: key, "'\(value)' is not a ZeroMQ endpoint (tcp://HOST:PORT)")
            }
        }
        for (key, value) in [("coordinator.metrics", coordinatorMetrics), ("worker.metrics", workerMetrics)] where !value.isEmpty {
            guard HostPort(value) != nil else {
                throw ConfigError(origin: key, "'\(value)' is not HOST:PORT")
            }
        }
        if reconnectMaximumMilliseconds < reconnectInitialMilliseconds {
            throw ConfigError(origin: "heartbeat.reconnect_max_ms", "must be at least heartbeat.reconnect_initial_ms")
        }
    }
}

/// `HOST:PORT`, as the metrics endpoints take it.
public struct HostPort: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]), (0 ... 65535).contains(p) else { return nil }
        host = String(text[..<colon])
        port = p
        if host.isEmpty { return nil }
    }
}
