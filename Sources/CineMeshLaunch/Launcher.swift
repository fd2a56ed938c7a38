import CineMeshCluster
import CineMeshData
import Foundation

/// `cinemesh cluster up|down`: puts the package on every box of a hosts file over ssh, makes and
/// exchanges the CURVE keys, writes each box's configuration, starts the units and waits until
/// every worker box has registered; or stops them. Running `up` again changes only what differs
/// (a unit restarts only when its binary, units, configuration or keys changed), so it also adds
/// boxes and upgrades them. docs/DEPLOY.md, "The launcher".
public struct Launcher: Sendable {
    public let hosts: ClusterHosts
    public let ssh: SSH
    /// Where progress lines go (one line per box and step).
    public let report: @Sendable (String) -> Void

    public init(hosts: ClusterHosts, ssh: SSH? = nil, report: @escaping @Sendable (String) -> Void) {
        self.hosts = hosts
        self.ssh = ssh ?? SSH(hosts.ssh)
        self.report = report
    }

    /// What `up` ended with.
    public struct Summary: Sendable {
        /// Worker box name -> seconds from the start of the wait until it was registered.
        public var registered: [(box: String, seconds: Double)]
        /// Boxes whose units were started or restarted, by name.
        public var restarted: [String]
    }

    func say(_ box: ClusterHosts.Box, _ text: String) { report("[\(box.name) \(box.address)] \(text)") }

    /// Runs `script` on `box`; a non-zero exit is a `SSH.Failure` naming the step.
    func run(_ script: String, on box: ClusterHosts.Box, step: String, privileged: Bool = true, timeout: Double = 600) throws -> SSH.Output {
        let output = try ssh.run(script, on: box, privileged: privileged, timeout: timeout)
        guard output.status == 0 else { throw SSH.Failure(box: box.name, step: step, message: SSH.reason(output)) }
        return output
    }

    // MARK: up

    /// Installs and starts the cluster from `package` (a deploy/package.sh tarball).
    public func up(package: String) throws -> Summary {
        guard FileSystem.exists(package) else {
            throw DataError(.usage, file: package, "no such package (deploy/package.sh makes dist/cinemesh-VERSION-linux-x86_64.tar.gz)")
        }
        let name = FileSystem.basename(package)
        guard name.hasSuffix(".tar.gz"), !name.contains("'") else {
            throw DataError(.usage, file: package, "not a package tarball (deploy/package.sh makes cinemesh-VERSION-linux-ARCH.tar.gz)")
        }
        let sha = try Self.sha256(package)
        let size = FileSystem.size(package) ?? 0

        // 1. Every box answers, runs systemd, and says whether it has the package already.
        let probes = try Parallel.each(hosts.boxes, "reach") { box in
            let output = try run(RemoteScripts.probe(package: name), on: box, step: "reach", privileged: false, timeout: 120)
            let f = output.fields
            say(box, "reachable: \(f["os"] ?? "?"), \(f["systemd"] ?? "?")\(f["installed"].map { $0.isEmpty ? "" : "; has \($0)" } ?? "")")
            return f["staged"] == sha
        }
        // 2. The package, where it is not there yet.
        _ = try Parallel.each(Array(zip(hosts.boxes, probes).filter { !$0.1 }.map(\.0)), "copy") { box in
            let started = Date()
            let output = try ssh.copy(package, to: "\(RemoteScripts.stage)/\(name)", on: box)
            guard output.status == 0 else { throw SSH.Failure(box: box.name, step: "copy", message: SSH.reason(output)) }
            let seconds = Date().timeIntervalSince(started)
            say(box, "copied \(name) (\(Self.mebibytes(size)) in \(String(format: "%.1f", seconds)) s)")
        }
        // 3. Binary, units and user.
        let installed = try Parallel.each(hosts.boxes, "install") { box in
            let f = try run(RemoteScripts.install(package: name, sha256: sha, installDependencies: hosts.installDependencies),
                            on: box, step: "install").fields
            if let note = f["note"] { say(box, note) }
            let changed = Self.words(f["changed"])
            say(box, "installed \(f["version"] ?? "?")\(changed.isEmpty ? " (nothing changed)" : " (new: \(changed.joined(separator: ", ")))")")
            return changed
        }
        // 4. Keys, made on their boxes; the public halves come back.
        let keys = try Parallel.each(hosts.boxes, "keys") { box in
            let f = try run(RemoteScripts.keys(box: box), on: box, step: "keys").fields
            var found: [(role: String, key: CurveKey)] = []
            for role in RemoteScripts.keyRoles(of: box) {
                guard let text = f["key.\(role)"], let key = CurveKey(z85: text) else {
                    throw SSH.Failure(box: box.name, step: "keys", message: "no readable \(role) public key in \(ClusterSettings.keysDirectory)/\(role).key")
                }
                found.append((role, key))
            }
            let made = Self.words(f["made"])
            say(box, "keys: \(found.map(\.role).joined(separator: ", "))\(made.isEmpty ? "" : " (made now: \(made.joined(separator: ", ")))")")
            return (found: found, made: made)
        }
        let coordinator = hosts.coordinator
        let index = hosts.boxes.firstIndex(of: coordinator)!
        guard let coordinatorKey = keys[index].found.first(where: { $0.role == PeerRole.coordinator.rawValue })?.key else {
            throw SSH.Failure(box: coordinator.name, step: "keys", message: "the coordinator's box has no coordinator key")
        }
        // 5. The coordinator lets in every other key (it reads its list again within a second).
        let peers = zip(hosts.boxes, keys).flatMap { box, k in
            k.found.filter { $0.role != PeerRole.coordinator.rawValue }.map { (role: $0.role, key: $0.key.z85, name: box.name) }
        }
        let allowed = try run(RemoteScripts.allow(peers), on: coordinator, step: "allow").fields["allowed"] ?? "0"
        say(coordinator, "allow-list: \(allowed) keys of \(hosts.boxes.count) boxes")
        // 6. Configuration, the coordinator's public key, the gateways' tokens.
        let coordinatorKeyText = KeyFile(role: .coordinator, name: coordinator.name, publicKey: coordinatorKey).publicText
        let configured = try Parallel.each(hosts.boxes, "configure") { box in
            let f = try run(RemoteScripts.configure(ClusterSettings(hosts: hosts, box: box), coordinatorKey: coordinatorKeyText),
                            on: box, step: "configure").fields
            let changed = Self.words(f["changed"])
            say(box, "configured \(ClusterSettings.path)\(changed.isEmpty ? " (unchanged)" : " (new: \(changed.joined(separator: ", ")))")")
            return changed
        }
        // 7. Start: the coordinator first, then the rest at once. A box restarts its units when
        // anything they read changed.
        let restart = hosts.boxes.indices.map { !installed[$0].isEmpty || !keys[$0].made.isEmpty || !configured[$0].isEmpty }
        let startedAt = Date()
        try start(coordinator, roles: [.coordinator], restart: restart[index])
        _ = try Parallel.each(hosts.boxes.filter { $0.runs(.worker) || $0.runs(.gateway) || $0 != coordinator }, "start") { box in
            try start(box, roles: [.worker, .gateway], restart: restart[hosts.boxes.firstIndex(of: box)!])
        }
        // 8. Every worker box registered with the coordinator.
        let registered = try waitForWorkers(since: startedAt)
        report("cluster up: coordinator on \(coordinator.name) (clients: \(ClusterSettings.endpoint(coordinator.address, hosts.ports.clients))), "
               + "\(registered.count) worker\(registered.count == 1 ? "" : "s") registered"
               + hosts.boxes(running: .gateway).map { ", gateway http://\(ClusterSettings.hostPort($0.address, hosts.ports.gateway))" }.joined())
        return Summary(registered: registered, restarted: hosts.boxes.indices.filter { restart[$0] }.map { hosts.boxes[$0].name })
    }

    private func start(_ box: ClusterHosts.Box, roles: [BoxRole], restart: Bool) throws {
        let f = try run(RemoteScripts.start(box: box, roles: roles, restart: restart), on: box, step: "start").fields
        for role in BoxRole.allCases where f["retired.\(role.rawValue)"] != nil {
            say(box, "stopped \(role.unit): the hosts file no longer gives this box that role")
        }
        for role in roles where box.runs(role) {
            let running = f["was.\(role.rawValue)"] == "active"
            let how = !running ? "started" : restart ? "restarted (its binary, units, configuration or keys changed)" : "running (unchanged)"
            say(box, "\(role.unit) \(f["active.\(role.rawValue)"] ?? "?"): \(how)")
        }
    }

    /// Polls the coordinator's worker list until every worker box is in it (by its key's name).
    func waitForWorkers(since: Date) throws -> [(box: String, seconds: Double)] {
        let expected = hosts.boxes(running: .worker).map(\.name)
        let deadline = Date().addingTimeInterval(Double(hosts.registerTimeoutSeconds))
        var seen: [(box: String, seconds: Double)] = []
        var lastProblem = ""
        while true {
            do {
                let workers = try workerList()
                for w in workers {
                    guard let name = w.key, expected.contains(name), !seen.contains(where: { $0.box == name }) else { continue }
                    seen.append((name, Date().timeIntervalSince(since)))
                    report("registered: worker \(name) (\(w.host), \(w.capacity.cores) cores) after \(String(format: "%.1f", Date().timeIntervalSince(since))) s")
                }
            } catch {
                lastProblem = "\(error)"
            }
            if seen.count == expected.count { return seen }
            guard Date() < deadline else {
                let missing = expected.filter { name in !seen.contains { $0.box == name } }
                var message = "worker\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) did not register within \(hosts.registerTimeoutSeconds) s (cluster.register_timeout)"
                if !lastProblem.isEmpty { message += "; asking the coordinator: \(lastProblem)" }
                for box in hosts.boxes.filter({ missing.contains($0.name) }) {
                    let log = (try? ssh.run(RemoteScripts.preamble + "journalctl -u cinemesh-worker.service -n 8 --no-pager -o cat 2>&1 || true\n",
                                            on: box, timeout: 30).stdout) ?? ""
                    message += "\n  \(box.name)'s worker log ends:\n" + log.split(whereSeparator: \.isNewline).map { "    \($0)" }.joined(separator: "\n")
                }
                throw SSH.Failure(box: hosts.coordinator.name, step: "wait for workers", message: message)
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// The coordinator's worker list, asked on its box.
    public func workerList() throws -> [WorkerInfo] {
        let output = try run(RemoteScripts.workers, on: hosts.coordinator, step: "list workers", timeout: 60)
        guard let json = output.fields["workers"] else {
            throw SSH.Failure(box: hosts.coordinator.name, step: "list workers", message: "no answer")
        }
        do { return try JSON.decode([WorkerInfo].self, from: Array(json.utf8), file: "the coordinator's worker list") } catch {
            throw SSH.Failure(box: hosts.coordinator.name, step: "list workers", message: "not a worker list: \(json.prefix(200))")
        }
    }

    // MARK: down

    /// Stops and disables every box's units: gateways and workers first, the coordinator last (it
    /// keeps running jobs to resume on its next start). Keys, configuration and data stay.
    public func down() throws {
        let coordinator = hosts.coordinator
        _ = try Parallel.each(hosts.boxes, "stop") { box in
            try stop(box, roles: [.worker, .gateway])
        }
        try stop(coordinator, roles: [.coordinator])
        report("cluster down: \(hosts.boxes.count) boxes stopped (keys, configuration and data are kept)")
    }

    private func stop(_ box: ClusterHosts.Box, roles: [BoxRole]) throws {
        guard roles.contains(where: box.runs) else { return }
        let f = try run(RemoteScripts.stop(box: box, roles: roles), on: box, step: "stop").fields
        for role in roles.reversed() where box.runs(role) {
            say(box, "\(role.unit) \(f["active.\(role.rawValue)"] ?? "?")")
        }
    }

    // MARK: helpers

    static func words(_ text: String?) -> [String] {
        var seen: [String] = []
        for word in (text ?? "").split(separator: " ").map(String.init) where !seen.contains(word) { seen.append(word) }
        return seen
    }

    static func mebibytes(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// The package's SHA-256, as `sha256sum` on each box will compute it.
    static func sha256(_ path: String) throws -> String {
        let output = try Subprocess.run("sha256sum", ["--", path], input: nil, timeout: 300)
        guard output.status == 0, let sum = output.stdout.split(separator: " ").first, sum.count == 64 else {
            throw DataError(.io, file: path, "cannot checksum the package: \(output.stderr)")
        }
        return String(sum)
    }
}
