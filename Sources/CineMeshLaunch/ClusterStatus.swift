import CineMeshCluster
import CineMeshData
import Foundation

/// `cinemesh cluster status`: each box's role, version and health, asked over ssh, with the
/// coordinator's view of the workers. Healthy means every unit active, one version everywhere, and
/// every worker box registered and heard from within the coordinator's dead-after time.
public struct ClusterStatus: Sendable, Codable {
    /// One role of one box.
    public struct Row: Sendable, Codable, Equatable {
        public var box: String
        public var address: String
        public var role: String
        /// systemd's ActiveState and SubState ("active (running)"), or "unreachable".
        public var state: String
        /// `cinemesh version`'s first line on the box.
        public var version: String
        /// How many times systemd restarted the unit.
        public var restarts: Int
        /// What the service says of itself, or what the coordinator says of the worker.
        public var detail: String
        public var healthy: Bool
    }

    public var rows: [Row]
    /// What is wrong, one line each; empty when the cluster is healthy.
    public var problems: [String]

    public var healthy: Bool { problems.isEmpty }

    /// Asks every box. A box that cannot be reached is a row and a problem, not an error.
    public static func gather(_ launcher: Launcher) -> ClusterStatus {
        let hosts = launcher.hosts
        // The body never throws: a failure is an answer of its own.
        let answers = (try? Parallel.each(hosts.boxes, "status") { box -> Result<[String: String], SSH.Failure> in
            do {
                return .success(try launcher.run(RemoteScripts.status(box: box), on: box, step: "status", timeout: 60).fields)
            } catch {
                return .failure(error as? SSH.Failure ?? SSH.Failure(box: box.name, step: "status", message: "\(error)"))
            }
        }) ?? []
        return ClusterStatus(hosts: hosts, answers: answers)
    }

    /// The status from each box's answer to `RemoteScripts.status` (its `key=value` fields, in
    /// the hosts file's order), or why it could not be asked.
    public init(hosts: ClusterHosts, answers: [Result<[String: String], SSH.Failure>]) {
        var rows: [Row] = []
        var problems: [String] = []
        var workers: [WorkerInfo]?
        if let i = hosts.boxes.firstIndex(where: { $0.runs(.coordinator) }), case .success(let f) = answers[i] {
            if let json = f["workers"] {
                workers = try? JSON.decode([WorkerInfo].self, from: Array(json.utf8), file: "worker list")
                if workers == nil { problems.append("\(hosts.boxes[i].name): the coordinator's worker list is not JSON") }
            } else {
                problems.append("\(hosts.boxes[i].name): the coordinator does not answer: \(f["workers-error"] ?? "no answer")")
            }
        }
        var versions: Set<String> = []
        for (box, answer) in zip(hosts.boxes, answers) {
            switch answer {
            case .failure(let failure):
                problems.append("\(box.name): unreachable: \(failure.message)")
                rows += box.roles.map { Row(box: box.name, address: box.address, role: $0.rawValue, state: "unreachable", version: "",
                                            restarts: 0, detail: failure.message, healthy: false) }
            case .success(let f):
                let version = f["version"] ?? ""
                if version.isEmpty { problems.append("\(box.name): cinemesh is not installed") } else { versions.insert(version) }
                for role in box.roles {
                    let parts = (f["unit.\(role.rawValue)"] ?? "").split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
                    let active = parts.first ?? "unknown", sub = parts.count > 1 ? parts[1] : ""
                    let restarts = parts.count > 2 ? Int(parts[2]) ?? 0 : 0
                    var detail = parts.count > 4 ? parts[4] : ""
                    var healthy = active == "active"
                    if !healthy { problems.append("\(box.name): \(role.unit) is \(active)\(sub.isEmpty ? "" : " (\(sub))")") }
                    if role == .worker {
                        if let w = workers?.first(where: { $0.key == box.name }) {
                            detail = "registered as \(w.workerId), \(w.activity), \(w.tasksDone) tasks done, heard \(w.silentMilliseconds) ms ago"
                        } else if workers != nil {
                            detail = "not registered with the coordinator"
                            healthy = false
                            problems.append("\(box.name): the worker is not registered with the coordinator")
                        }
                    } else if role == .coordinator, let workers {
                        let expected = hosts.boxes(running: .worker).count
                        let ours = workers.filter { w in hosts.boxes.contains { $0.name == w.key } }.count
                        detail = "\(ours) of \(expected) worker boxes registered"
                            + (workers.count > ours ? ", and \(workers.count - ours) workers not in the hosts file" : "")
                            + (parts.count > 3 && !parts[3].isEmpty ? "; up since \(parts[3])" : "")
                    }
                    if restarts > 0 { detail += "\(detail.isEmpty ? "" : "; ")systemd restarted it \(restarts) time\(restarts == 1 ? "" : "s")" }
                    rows.append(Row(box: box.name, address: box.address, role: role.rawValue,
                                    state: sub.isEmpty ? active : "\(active) (\(sub))", version: version,
                                    restarts: restarts, detail: detail, healthy: healthy))
                }
            }
        }
        if versions.count > 1 {
            problems.append("the boxes run different versions: \(versions.sorted().joined(separator: "; ")) (run cinemesh cluster up with one package)")
        }
        self.rows = rows
        self.problems = problems
    }

    /// The table `cluster status` prints.
    public var table: String {
        let header = Row(box: "box", address: "address", role: "role", state: "state", version: "version", restarts: 0, detail: "detail", healthy: true)
        let all = [header] + rows
        let widths = [all.map(\.box.count).max()!, all.map(\.address.count).max()!, all.map(\.role.count).max()!,
                      all.map(\.state.count).max()!, all.map(\.version.count).max()!]
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = all.map { r in
            [pad(r.box, widths[0]), pad(r.address, widths[1]), pad(r.role, widths[2]), pad(r.state, widths[3]), pad(r.version, widths[4]), r.detail]
                .joined(separator: "  ")
        }
        lines.append(problems.isEmpty ? "healthy" : "unhealthy:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
        return lines.joined(separator: "\n")
    }
}
