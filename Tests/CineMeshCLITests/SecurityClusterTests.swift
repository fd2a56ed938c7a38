import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// CURVE between real processes on loopback: keys made with `cinemesh keys`, a coordinator that
/// lets in only the keys on its allow-list, and peers that are refused with a reason.
@Suite(.serialized) struct SecurityClusterTests {
    static let settings = ["heartbeat.interval_ms=200", "heartbeat.liveness=3", "heartbeat.reconnect_initial_ms=200",
                           "heartbeat.reconnect_max_ms=1000", "log.level=info"]

    /// Key directories for the coordinator, a worker, a client, a gateway and a stranger, with
    /// the worker, client and gateway allowed.
    func keys(_ scratch: Scratch) throws -> [String: String] {
        var dirs: [String: String] = [:]
        for (name, role) in [("coordinator", "coordinator"), ("worker", "worker"), ("client", "client"), ("gateway", "gateway"), ("stranger", "client")] {
            let dir = scratch.sub("keys-\(name)")
            let made = try cinemesh(["keys", "generate", "--role", role, "--out", dir, "--name", name])
            #expect(made.status == 0, "\(made.stderr)")
            dirs[name] = dir
        }
        for name in ["worker", "client", "gateway", "stranger"] {
            try FileManager.default.copyItem(atPath: dirs["coordinator"]! + "/coordinator.key", toPath: dirs[name]! + "/coordinator.key")
        }
        for (name, role) in [("worker", "worker"), ("client", "client"), ("gateway", "gateway")] {
            let allowed = try cinemesh(["keys", "allow", "\(dirs[name]!)/\(role).key", "--list", dirs["coordinator"]! + "/allow.list"])
            #expect(allowed.status == 0 && allowed.stdout.contains("allowed \(role) \(name)"), "\(allowed.stderr)")
        }
        return dirs
    }

    func startCoordinator(_ scratch: Scratch, keys: String) throws -> (ChildProcess, CoordinatorEndpoints) {
        let state = scratch.sub("state")
        let coordinator = try ChildProcess.spawn(
            name: "coordinator", executable: cinemeshBinary,
            arguments: ["coordinator", "--bind", "tcp://127.0.0.1:*", "--clients", "tcp://127.0.0.1:*", "--metrics", "127.0.0.1:0",
                        "--state-dir", state, "--datasets-dir", scratch.path, "--set", "security.keys_dir=\(keys)"]
                + Self.settings.flatMap { ["--set", $0] },
            log: scratch.sub("coordinator.log"), detached: false)
        for _ in 0 ..< 400 {
            if let bytes = try? FileSystem.readAll(FileSystem.join(state, CoordinatorEndpoints.fileName)),
               let e = try? JSONDecoder().decode(CoordinatorEndpoints.self, from: Data(bytes)), e.pid == coordinator.pid {
                return (coordinator, e)
            }
            usleep(25_000)
        }
        coordinator.signal(SIGKILL)
        throw JobError("the coordinator did not start: \(coordinator.logTail())")
    }

    func client(_ endpoint: String, keys: String?, role: PeerRole = .client) throws -> ClusterClient {
        var config = ClusterConfig()
        config.clientTimeoutMilliseconds = 5000
        config.securityKeysDirectory = keys ?? ""
        return try ClusterClient(config: config, endpoint: endpoint, role: role)
    }

    @Test func onlyAllowedKeysGetInAndEachRoleDoesOnlyItsPart() throws {
        let scratch = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let ingest = try cinemesh(["ingest", repo + "/data/sample", "--out", scratch.sub("sample"), "--grid", "2x2"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let dirs = try keys(scratch)
        let (coordinator, endpoints) = try startCoordinator(scratch, keys: dirs["coordinator"]!)
        defer { coordinator.signal(SIGTERM); _ = coordinator.waitForExit(milliseconds: 5000) }
        let worker = try ChildProcess.spawn(name: "worker", executable: cinemeshBinary,
                                            arguments: ["worker", "--coordinator", endpoints.workers, "--cache-dir", scratch.sub("cache"),
                                                        "--set", "security.keys_dir=\(dirs["worker"]!)"] + Self.settings.flatMap { ["--set", $0] },
                                            log: scratch.sub("worker.log"), detached: false)
        defer { worker.signal(SIGTERM); _ = worker.waitForExit(milliseconds: 5000) }
        let alice = try client(endpoints.clients, keys: dirs["client"]!)
        let deadline = Date().addingTimeInterval(20)
        while try alice.workers().isEmpty && Date() < deadline { usleep(50_000) }
        #expect(try alice.workers().count == 1, "\(worker.logTail())")
        // The worker is listed under its key's name on the allow-list (cinemesh cluster finds boxes by it).
        #expect(try alice.workers().first?.key == "worker")

        // The client runs a job over CURVE, naming its dataset; a path is refused.
        let job = try alice.submit(JobSpec(type: "stats", dataset: "sample"))
        var record = try alice.status(job.id)
        while !record.state.isFinal && Date() < deadline.addingTimeInterval(20) { usleep(50_000); record = try alice.status(job.id) }
        #expect(record.state == .succeeded, "\(record.error ?? "")")
        let path = #expect(throws: ClusterClient.Failure.self) { try alice.submit(JobSpec(type: "stats", dataset: scratch.sub("sample"))) }
        #expect(path?.code == "bad-request" && path?.message.contains("takes dataset names in its datasets directory, not paths") == true,
                "\(String(describing: path))")

        // A key not on the list, a plain-TCP client and a worker key on the clients endpoint are
        // refused at the handshake, and told so.
        let stranger = #expect(throws: ClusterClient.Failure.self) { try client(endpoints.clients, keys: dirs["stranger"]!).jobs() }
        #expect(stranger?.code == "refused" && stranger?.message.contains("not on the coordinator's allow-list") == true, "\(String(describing: stranger))")
        let plain = #expect(throws: ClusterClient.Failure.self) { try client(endpoints.clients, keys: nil).jobs() }
        #expect(plain?.code == "refused" && plain?.message.contains("one side uses CURVE and the other plain TCP") == true, "\(String(describing: plain))")
        let misplaced = #expect(throws: ClusterClient.Failure.self) { try client(endpoints.clients, keys: dirs["worker"]!, role: .worker).jobs() }
        #expect(misplaced?.code == "refused", "\(String(describing: misplaced))")

        // A gateway reads jobs and workers but may not cancel or submit anything but a query.
        let gateway = try client(endpoints.clients, keys: dirs["gateway"]!, role: .gateway)
        #expect(try gateway.jobs().count == 1)
        let cancel = #expect(throws: ClusterClient.Failure.self) { try gateway.cancel(job.id) }
        #expect(cancel?.code == "forbidden", "\(String(describing: cancel))")
        let stats = #expect(throws: ClusterClient.Failure.self) { try gateway.submit(JobSpec(type: "stats", dataset: "sample")) }
        #expect(stats?.code == "forbidden")
        let query = try gateway.submit(JobSpec(type: "query", dataset: "sample", parameters: ["sql": "SELECT count(*) FROM ratings"]))
        #expect(query.id == job.id + 1)

        // The refusals are in the log, with the stranger's fingerprint, and in /metrics.
        let strangerKey = try KeyFile.read(dirs["stranger"]! + "/client.key", secret: false).publicKey
        let log = try String(contentsOfFile: scratch.sub("coordinator.log"), encoding: .utf8)
        #expect(log.contains("refused a CURVE handshake") && log.contains("peer=127.0.0.1 reason=key \(strangerKey.fingerprint) is not on the allow-list"), "\(log)")
        #expect(!log.contains(try KeyFile.read(dirs["coordinator"]! + "/coordinator.key_secret", secret: true).secretKey!.z85))
        let metrics = try httpGet(host: "127.0.0.1", port: HostPort(try #require(endpoints.metrics))!.port, path: "/metrics")
        #expect(metrics.contains("cinemesh_peers_refused_total{reason=\"key\"} 2"), "\(metrics)")
    }

    @Test func aLooseSecretAndAPublicBindWithoutKeysStopTheCoordinatorAtStartUp() throws {
        let scratch = Scratch()
        let dirs = try keys(scratch)
        chmod(dirs["coordinator"]! + "/coordinator.key_secret", 0o640)
        let loose = try cinemesh(["coordinator", "--bind", "tcp://127.0.0.1:*", "--clients", "tcp://127.0.0.1:*", "--metrics", "",
                                  "--state-dir", scratch.sub("state"), "--set", "security.keys_dir=\(dirs["coordinator"]!)"], timeout: 20)
        #expect(loose.status == 64 && loose.stderr.contains("coordinator.key_secret: the secret key is readable by others (mode 640): run chmod 600 on it"),
                "\(loose.stderr)")
        let open = try cinemesh(["coordinator", "--bind", "tcp://0.0.0.0:*", "--clients", "tcp://127.0.0.1:*", "--metrics", "",
                                 "--state-dir", scratch.sub("state")], timeout: 20)
        #expect(open.status == 64 && open.stderr.contains("coordinator.workers_endpoint: 'tcp://0.0.0.0:*' is reachable from other boxes, which needs CURVE"),
                "\(open.stderr)")
    }

    @Test func garbageFromManyPeersWritesAFewLinesNotOnePerMessage() throws {
        let scratch = Scratch()
        let cluster = try LocalCluster.start(binary: cinemeshBinary, directory: scratch.sub("cluster"), workers: 1, datasetsDirectory: scratch.path,
                                             configFile: nil, settings: Self.settings, detached: false)
        defer { cluster.stop() }
        let context = try ZMQContext()
        var sockets: [ZMQSocket] = []
        for i in 0 ..< 8 {
            let s = try ZMQSocket(context, .dealer)
            try s.connect(i % 2 == 0 ? cluster.endpoints.workers : cluster.endpoints.clients)
            sockets.append(s)
        }
        var replies = 0
        for round in 0 ..< 250 {
            for s in sockets { try s.send([[UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 1 + round % 40)]) }
            for s in sockets { while try s.receive(dontWait: true) != nil { replies += 1 } }
        }
        let deadline = Date().addingTimeInterval(10)
        while replies < 2000 && Date() < deadline {
            _ = try ZMQPoll.readable(sockets, timeoutMilliseconds: 100)
            for s in sockets { while try s.receive(dontWait: true) != nil { replies += 1 } }
        }
        for s in sockets { s.close() }
        // Every message got its ERROR; the log got one line for the lot (all from 127.0.0.1).
        #expect(replies == 2000)
        let log = try String(contentsOfFile: scratch.sub("cluster/logs/coordinator.log"), encoding: .utf8)
        let lines = log.split(separator: "\n").filter { $0.contains("refused") }
        #expect(lines.count == 1, "\(lines)")
    }
}
