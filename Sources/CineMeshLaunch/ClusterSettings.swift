import CineMeshCluster

/// The /etc/cinemesh/cluster.toml that `cinemesh cluster up` writes on a box: what the hosts file
/// implies (the coordinator's endpoints, the keys folder, the worker's id, the gateway's token),
/// then the hosts file's `[config]` settings, then the box's own `[hosts.NAME.config]`.
///
/// The implied settings are the launcher's: `[config]` may not set them, as one value for every
/// box would break the cluster (one worker id for all). A box's own table may, for what only that
/// box knows: a coordinator behind NAT binds `coordinator.workers_endpoint = "tcp://0.0.0.0:7700"`.
public struct ClusterSettings: Sendable {
    /// Where the file goes on each box (the units read it).
    public static let path = "/etc/cinemesh/cluster.toml"
    /// The CURVE keys folder on each box (security.keys_dir).
    public static let keysDirectory = "/etc/cinemesh/keys"
    /// The gateway's bearer token on a gateway box (gateway.token_file).
    public static let tokenFile = "/etc/cinemesh/gateway.token"

    public let hosts: ClusterHosts
    public let box: ClusterHosts.Box

    public init(hosts: ClusterHosts, box: ClusterHosts.Box) {
        self.hosts = hosts
        self.box = box
    }

    /// `tcp://HOST:PORT` of the coordinator (an IPv6 address in brackets).
    public static func endpoint(_ address: String, _ port: Int) -> String { "tcp://\(hostPort(address, port))" }

    static func hostPort(_ address: String, _ port: Int) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// The settings the hosts file implies for this box, in the order they are written.
    public var implied: [(key: String, value: TOMLDocument.Value)] {
        let c = hosts.coordinator.address
        var list: [(String, TOMLDocument.Value)] = [("security.keys_dir", .string(Self.keysDirectory))]
        if box.runs(.coordinator) {
            list += [("coordinator.workers_endpoint", .string(Self.endpoint(c, hosts.ports.workers))),
                     ("coordinator.clients_endpoint", .string(Self.endpoint(c, hosts.ports.clients))),
                     ("coordinator.metrics", .string(Self.hostPort(c, hosts.ports.metrics)))]
        }
        if box.runs(.worker) {
            list += [("worker.coordinator", .string(Self.endpoint(c, hosts.ports.workers))),
                     ("worker.id", .string(box.name))]
        }
        if box.runs(.gateway) {
            list += [("gateway.coordinator", .string(Self.endpoint(c, hosts.ports.clients))),
                     ("gateway.port", .integer(Int64(hosts.ports.gateway))),
                     ("gateway.token_file", .string(Self.tokenFile))]
        }
        list.append(("client.coordinator", .string(Self.endpoint(c, hosts.ports.clients))))
        return list
    }

    /// The keys `[config]` may not set (any box's implied ones).
    static let launcherKeys: Set<String> = [
        "security.keys_dir", "coordinator.workers_endpoint", "coordinator.clients_endpoint", "coordinator.metrics",
        "worker.coordinator", "worker.id", "gateway.coordinator", "gateway.port", "gateway.token_file", "client.coordinator",
    ]

    /// Loads the settings as the box will, so a wrong key or value is reported against the hosts
    /// file before any box is touched.
    public func checked() throws(ConfigError) -> ClusterConfig {
        var config = ClusterConfig()
        for (key, value) in implied {
            try config.set(key, value, origin: "the setting cinemesh cluster derives for box '\(box.name)'")
        }
        for setting in hosts.config {
            guard !Self.launcherKeys.contains(setting.key) else {
                throw ConfigError(origin: setting.origin, "'\(setting.key)' is set by cinemesh cluster from the hosts file; a box's own [hosts.NAME.config] may override it")
            }
            try config.set(setting.key, setting.value, origin: setting.origin)
        }
        for setting in box.config {
            try config.set(setting.key, setting.value, origin: setting.origin)
        }
        do { try config.validate() } catch {
            throw ConfigError(origin: hosts.file, "box '\(box.name)': \(error.origin): \(error.message)")
        }
        return config
    }

    /// The file's text: a header, then one `table.key = value` line per setting (later lines win,
    /// as TOML would refuse a key set twice, so overridden implied settings are left out).
    public var text: String {
        let overridden = Set(hosts.config.map(\.key) + box.config.map(\.key))
        var lines = [
            // Nothing here may depend on where the launcher runs (the hosts file's path, the time):
            // an unchanged file is what tells `up` to leave the units running.
            "# Written by `cinemesh cluster up` for box '\(box.name)' (\(box.roles.map(\.rawValue).joined(separator: ", "))).",
            "# Edit the hosts file and run `cinemesh cluster up` again rather than this file: it is rewritten.",
            "# config/cluster.toml in the package documents every key.",
        ]
        lines += implied.filter { !overridden.contains($0.key) }.map { "\($0.key) = \(Self.render($0.value))" }
        var seen: [String: Int] = [:]
        for setting in hosts.config + box.config {
            let line = "\(setting.key) = \(Self.render(setting.value))"
            if let at = seen[setting.key] { lines[at] = line } else { seen[setting.key] = lines.count; lines.append(line) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A value as TOML writes it. Settings are strings and integers only (`checked` refuses the rest).
    static func render(_ value: TOMLDocument.Value) -> String {
        switch value {
        case .string(let s):
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16, uppercase: true)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .integer(let n): return String(n)
        case .float(let d): return String(d)
        case .boolean(let b): return String(b)
        case .dateTime(let t): return t
        case .array(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .table(let t): return "{ " + t.keys.sorted().map { "\($0) = \(render(t[$0]!))" }.joined(separator: ", ") + " }"
        }
    }
}
