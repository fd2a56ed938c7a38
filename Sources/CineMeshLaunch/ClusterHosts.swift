import CineMeshCluster
import CineMeshData
import Foundation

/// The boxes of a cluster and how to reach them, as `cinemesh cluster up|status|down --hosts
/// FILE` reads them from a TOML file (config/hosts.toml documents every key):
///
///     [cluster]
///     package = "../dist/cinemesh-0.1.0-linux-x86_64.tar.gz"
///     [ssh]
///     user = "root"
///     [hosts.a]
///     address = "10.0.0.1"
///     roles = ["coordinator", "gateway"]
///     [hosts.b]
///     address = "10.0.0.2"
///     roles = ["worker"]
///
/// Exactly one box runs the coordinator, at least one a worker. A box's name (its table's) is the
/// name its keys get on the allow-list, its worker id, and what `cluster status` shows. Errors
/// name the file and line of the entry at fault.
public struct ClusterHosts: Sendable {
    /// One box.
    public struct Box: Sendable, Equatable {
        public var name: String
        /// What ssh connects to, and the address the box's services bind and are reached at.
        public var address: String
        /// Its roles, in start order.
        public var roles: [BoxRole]
        /// Settings of its own for its cluster.toml, after the cluster-wide ones.
        public var config: [Setting]

        public init(name: String, address: String, roles: [BoxRole], config: [Setting] = []) {
            self.name = name
            self.address = address
            self.roles = roles.sorted()
            self.config = config
        }

        public func runs(_ role: BoxRole) -> Bool { roles.contains(role) }
    }

    /// A cluster.toml setting given in the hosts file (`[config]` or `[hosts.NAME.config]`).
    public struct Setting: Sendable, Equatable {
        /// "table.key", as in cluster.toml.
        public var key: String
        public var value: TOMLDocument.Value
        /// `file:line` of the hosts file entry, for errors.
        public var origin: String

        public init(key: String, value: TOMLDocument.Value, origin: String) {
            self.key = key
            self.value = value
            self.origin = origin
        }
    }

    /// How ssh reaches the boxes (`[ssh]`).
    public struct SSH: Sendable, Equatable {
        public var user = "root"
        public var port = 22
        /// `ssh -i`; nil: ssh's own choice (its config, the agent).
        public var identity: String?
        /// `ssh -o` options, as "Name=value".
        public var options: [String] = []
        /// Seconds ssh waits for a box to answer (`ConnectTimeout`).
        public var connectTimeout = 10

        public init() {}

        /// A user other than root runs the remote steps through `sudo -n`.
        public var needsSudo: Bool { user != "root" }
    }

    /// The ports the services use (`[cluster]`): the coordinator's two endpoints and metrics, and
    /// each gateway's HTTP port.
    public struct Ports: Sendable, Equatable {
        public var workers = 7700
        public var clients = 7701
        public var metrics = 9700
        public var gateway = 8080

        public init() {}
    }

    /// The hosts file, for messages.
    public var file: String
    /// The tarball `up` installs (deploy/package.sh), resolved against the hosts file's folder;
    /// nil when the file names none (`--package` must then).
    public var package: String?
    public var ports = Ports()
    /// Seconds `up` waits for every worker box to register with the coordinator.
    public var registerTimeoutSeconds = 120
    /// Whether `up` may `apt-get install` the libraries the binary needs on a box that lacks them.
    public var installDependencies = true
    public var ssh = SSH()
    /// Settings for every box's cluster.toml.
    public var config: [Setting] = []
    /// The boxes, in file order.
    public var boxes: [Box] = []

    /// The coordinator's box.
    public var coordinator: Box { boxes.first { $0.runs(.coordinator) }! }
    /// The boxes that run `role`.
    public func boxes(running role: BoxRole) -> [Box] { boxes.filter { $0.runs(role) } }

    /// Reads and checks a hosts file.
    public static func load(_ path: String) throws -> ClusterHosts {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(origin: path, "cannot read the hosts file (config/hosts.toml is an example)")
        }
        return try ClusterHosts(parsing: text, file: path)
    }

    /// Parses and checks the text of a hosts file; `file` is named in errors, and relative
    /// `package` and `ssh.identity` paths are taken from its folder.
    public init(parsing text: String, file: String) throws(ConfigError) {
        self.file = file
        let doc = try TOMLDocument(parsing: text, file: file)
        let folder = file.contains("/") ? FileSystem.parent(of: file) : ""
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || path.hasPrefix("~") ? path : (folder.isEmpty ? path : "\(folder)/\(path)")
        }
        var boxOrder: [String] = []
        var addresses: [String: String] = [:]
        var roles: [String: [BoxRole]] = [:]
        var boxConfig: [String: [Setting]] = [:]
        for key in doc.keys {
            let (value, origin) = (doc.entries[key]!.value, doc.origin(of: key))
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch parts[0] {
            case "cluster":
                switch key {
                case "cluster.package": package = resolve(try Self.string(value, key, origin))
                case "cluster.workers_port": ports.workers = try Self.port(value, key, origin)
                case "cluster.clients_port": ports.clients = try Self.port(value, key, origin)
                case "cluster.metrics_port": ports.metrics = try Self.port(value, key, origin)
                case "cluster.gateway_port": ports.gateway = try Self.port(value, key, origin)
                case "cluster.register_timeout": registerTimeoutSeconds = try Self.integer(value, key, origin, 1 ... 3600)
                case "cluster.install_dependencies": installDependencies = try Self.boolean(value, key, origin)
                default: throw Self.unknown(key, origin, known: Self.clusterKeys)
                }
            case "ssh":
                switch key {
                case "ssh.user": ssh.user = try Self.name(value, key, origin)
                case "ssh.port": ssh.port = try Self.port(value, key, origin)
                case "ssh.identity":
                    let path = try Self.string(value, key, origin)
                    ssh.identity = path.isEmpty ? nil : resolve(path)
                case "ssh.options":
                    guard case .array(let items) = value else { throw ConfigError(origin: origin, "'\(key)' must be an array of \"Name=value\" strings") }
                    ssh.options = try items.map { item throws(ConfigError) in
                        guard case .string(let option) = item, option.contains("="), !option.hasPrefix("-") else {
                            throw ConfigError(origin: origin, "'\(key)' must hold \"Name=value\" strings (ssh -o), such as \"StrictHostKeyChecking=accept-new\"")
                        }
                        return option
                    }
                case "ssh.connect_timeout": ssh.connectTimeout = try Self.integer(value, key, origin, 1 ... 600)
                default: throw Self.unknown(key, origin, known: Self.sshKeys)
                }
            case "config":
                guard parts.count == 3 else { throw ConfigError(origin: origin, "'\(key)': [config] holds cluster.toml settings as TABLE.KEY (worker.id, gateway.rate_limit, ...)") }
                config.append(Setting(key: parts.dropFirst().joined(separator: "."), value: value, origin: origin))
            case "hosts":
                guard parts.count >= 3 else { throw ConfigError(origin: origin, "'\(key)': each box is a table [hosts.NAME] with address and roles") }
                let name = parts[1]
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                    throw ConfigError(origin: origin, "box name '\(name)' must be letters, digits, '-', '_' or '.' (it names the box's keys and worker)")
                }
                if !boxOrder.contains(name) { boxOrder.append(name) }
                switch parts[2] {
                case "address" where parts.count == 3:
                    let address = try Self.string(value, key, origin)
                    guard !address.isEmpty, !address.contains(where: { $0.isWhitespace || "/@'\"".contains($0) }) else {
                        throw ConfigError(origin: origin, "'\(key)' must be a host name or an IP address, not '\(address)'")
                    }
                    if let other = addresses.first(where: { $0.value == address }) {
                        throw ConfigError(origin: origin, "box '\(name)' has the address of box '\(other.key)' (\(address)): one table per box, with all its roles")
                    }
                    addresses[name] = address
                case "roles" where parts.count == 3:
                    guard case .array(let items) = value, !items.isEmpty else {
                        throw ConfigError(origin: origin, "'\(key)' must be a non-empty array of roles: \"coordinator\", \"worker\", \"gateway\"")
                    }
                    var list: [BoxRole] = []
                    for item in items {
                        guard case .string(let text) = item, let role = BoxRole(rawValue: text) else {
                            throw ConfigError(origin: origin, "'\(key)': unknown role \(item) (coordinator, worker or gateway)")
                        }
                        if !list.contains(role) { list.append(role) }
                    }
                    roles[name] = list
                case "config" where parts.count == 5:
                    boxConfig[name, default: []].append(Setting(key: parts[3...].joined(separator: "."), value: value, origin: origin))
                default:
                    throw ConfigError(origin: origin, "unknown key '\(key)' (a box has address, roles and a config table)")
                }
            default:
                throw ConfigError(origin: origin, "unknown key '\(key)' (the tables are cluster, ssh, config and hosts.NAME)")
            }
        }
        for name in boxOrder {
            guard let address = addresses[name] else { throw ConfigError(origin: file, "box '\(name)' has no address") }
            guard let list = roles[name] else { throw ConfigError(origin: file, "box '\(name)' has no roles (coordinator, worker, gateway)") }
            boxes.append(Box(name: name, address: address, roles: list, config: boxConfig[name] ?? []))
        }
        let coordinators = boxes(running: .coordinator)
        guard coordinators.count == 1 else {
            throw ConfigError(origin: file, coordinators.isEmpty ? "no box has the coordinator role"
                : "boxes \(coordinators.map(\.name).joined(separator: ", ")) all have the coordinator role: a cluster has one")
        }
        guard !boxes(running: .worker).isEmpty else { throw ConfigError(origin: file, "no box has the worker role") }
        let used = [ports.workers, ports.clients, ports.metrics]
        guard Set(used).count == used.count else {
            throw ConfigError(origin: file, "cluster.workers_port, clients_port and metrics_port must differ (\(used.map(String.init).joined(separator: ", ")))")
        }
        if coordinator.runs(.gateway), used.contains(ports.gateway) {
            throw ConfigError(origin: file, "cluster.gateway_port \(ports.gateway) is one of the coordinator's ports, on a box that runs both")
        }
        // Each box's cluster.toml must load on the box: try them here, naming the hosts file's lines.
        for box in boxes {
            _ = try ClusterSettings(hosts: self, box: box).checked()
        }
    }

    static let clusterKeys = ["package", "workers_port", "clients_port", "metrics_port", "gateway_port", "register_timeout", "install_dependencies"]
    static let sshKeys = ["user", "port", "identity", "options", "connect_timeout"]

    private static func unknown(_ key: String, _ origin: String, known: [String]) -> ConfigError {
        let table = key.split(separator: ".")[0]
        return ConfigError(origin: origin, "unknown key '\(key)' (known keys: \(known.map { "\(table).\($0)" }.joined(separator: ", ")))")
    }

    private static func string(_ value: TOMLDocument.Value, _ key: String, _ origin: String) throws(ConfigError) -> String {
        guard case .string(let s) = value else { throw ConfigError(origin: origin, "'\(key)' must be a string (in quotes)") }
        return s
    }

    private static func name(_ value: TOMLDocument.Value, _ key: String, _ origin: String) throws(ConfigError) -> String {
        let s = try string(value, key, origin)
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw ConfigError(origin: origin, "'\(key)' must be a user name, not '\(s)'")
        }
        return s
    }

    private static func integer(_ value: TOMLDocument.Value, _ key: String, _ origin: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .integer(let n) = value, let v = Int(exactly: n), range.contains(v) else {
            throw ConfigError(origin: origin, "'\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    private static func port(_ value: TOMLDocument.Value, _ key: String, _ origin: String) throws(ConfigError) -> Int {
        try integer(value, key, origin, 1 ... 65535)
    }

    private static func boolean(_ value: TOMLDocument.Value, _ key: String, _ origin: String) throws(ConfigError) -> Bool {
        guard case .boolean(let b) = value else { throw ConfigError(origin: origin, "'\(key)' must be true or false") }
        return b
    }
}
