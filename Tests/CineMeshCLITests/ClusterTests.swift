import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshModel
import CineMeshNumerics
import Foundation
import Testing

/// The cluster as real processes: a coordinator and worker processes of the built `cinemesh`
/// binary on loopback, driven through the client protocol, killed with real signals.
@Suite(.serialized) struct ClusterTests {
    /// Fast liveness so a dead worker is noticed within 0.6 s.
    static let settings = ["heartbeat.interval_ms=200", "heartbeat.liveness=3", "heartbeat.reconnect_initial_ms=200",
                           "heartbeat.reconnect_max_ms=1000", "log.level=info"]

    /// data/sample ingested on a 4x4 grid, once per scratch directory.
    func sampleDataset(_ scratch: Scratch) throws -> Dataset {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var options = IngestOptions()
        options.grid = GridShape(rows: 4, columns: 4)
        _ = try Ingestor(options: options).run(inputs: [repo + "/data/sample"], output: scratch.sub("sample"))
        return try Dataset(path: scratch.sub("sample"))
    }

    func start(_ scratch: Scratch, workers: Int, settings: [String] = Self.settings) throws -> LocalCluster {
        try LocalCluster.start(binary: cinemeshBinary, directory: scratch.sub("cluster"), workers: workers,
                               datasetsDirectory: scratch.path, configFile: nil, settings: settings, detached: false)
    }

    /// Polls the job until it ends (at most `seconds`).
    func wait(_ client: ClusterClient, _ id: Int64, seconds: Double = 60) throws -> JobRecord {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let r = try client.status(id)
            if r.state.isFinal { return r }
            usleep(50_000)
        }
        throw JobError("job \(id) did not end within \(seconds) s")
    }

    /// Once `ready()` holds, SIGKILLs a worker that is running a task at that moment.
    func killBusyWorker(_ cluster: LocalCluster, _ client: ClusterClient, when ready: () throws -> Bool) throws {
        var victim: ChildProcess?
        let deadline = Date().addingTimeInterval(60)
        while victim == nil && Date() < deadline {
            if try ready(), let busy = try client.workers().first(where: { $0.activity != "idle" }) {
                victim = cluster.workers.first { $0.pid == busy.pid }
            }
            usleep(5_000)
        }
        let killed = try #require(victim)
        killed.signal(SIGKILL)
        #expect(killed.waitForExit(milliseconds: 5000))
    }

    /// Starts the coordinator of a cluster made by `start` again, on the same endpoints and state
    /// (after it was killed); returns a client for it.
    func restartCoordinator(_ cluster: inout LocalCluster, _ scratch: Scratch) throws -> ClusterClient {
        cluster.coordinator = try ChildProcess.spawn(
            name: "coordinator", executable: cinemeshBinary,
            arguments: ["coordinator"] + Self.settings.flatMap { ["--set", $0] } + [
                "--bind", cluster.endpoints.workers, "--clients", cluster.endpoints.clients, "--metrics", "",
                "--state-dir", scratch.sub("cluster/coordinator"), "--datasets-dir", scratch.path,
            ],
            log: scratch.sub("cluster/logs/coordinator-2.log"), detached: false)
        return try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
    }

    func stats(_ record: JobRecord) throws -> DatasetStats {
        let json = try #require(record.result)
        return try JSONDecoder().decode(DatasetStats.self, from: Data(json.utf8))
    }

    @Test func statsOnThreeWorkersEqualsTheSingleProcessComputation() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 3)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let submitted = try client.submit(JobSpec(type: "stats", dataset: "sample"))
        let done = try wait(client, submitted.id)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        #expect(done.tasksDone == 16 && done.tasksTotal == 16)
        #expect(try stats(done) == DatasetStats(computing: ds))
        let workers = try client.workers()
        #expect(workers.count == 3)
        #expect(workers.allSatisfy { $0.key == nil }, "plain TCP: no key names")
        #expect(workers.allSatisfy { $0.tasksDone > 0 }, "every worker ran tasks: \(workers.map(\.tasksDone))")
        #expect(workers.map(\.tasksDone).reduce(0, +) == 16)
    }

    @Test func aWorkerKilledMidJobLosesOnlyItsTaskAndTheResultIsTheSame() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 3)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let submitted = try client.submit(JobSpec(type: "stats", dataset: scratch.sub("sample"), parameters: ["task_delay_ms": "150"]))
        // Wait for progress, then SIGKILL a worker that is running a task right now.
        try killBusyWorker(cluster, client) { try client.status(submitted.id).tasksDone >= 2 }
        let done = try wait(client, submitted.id)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        #expect(done.retries >= 1)
        #expect(try stats(done) == DatasetStats(computing: ds))
        #expect(try client.workers().count == 2)
        let log = try String(contentsOfFile: cluster.coordinator.log, encoding: .utf8)
        #expect(log.contains("worker lost"))
    }

    @Test func aWorkerStoppedCleanlyLeftAndAKilledOneIsLost() throws {
        let scratch = Scratch()
        let cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        func lines(_ text: String) throws -> [Substring] {
            let deadline = Date().addingTimeInterval(10)
            var found: [Substring] = []
            while found.isEmpty && Date() < deadline {
                found = try String(contentsOfFile: cluster.coordinator.log, encoding: .utf8).split(separator: "\n").filter { $0.contains(text) }
                if found.isEmpty { usleep(50_000) }
            }
            return found
        }
        // SIGTERM: the worker says DISCONNECT; an info line, no warning.
        cluster.workers[0].signal(SIGTERM)
        #expect(cluster.workers[0].waitForExit(milliseconds: 5000))
        let left = try lines("worker left")
        #expect(left.count == 1 && left.allSatisfy { $0.contains(" info ") && $0.contains("reason=worker shutting down") }, "\(left)")
        #expect(try client.workers().count == 1)
        // SIGKILL: nothing said, the coordinator notices the silence; a warning.
        cluster.workers[1].signal(SIGKILL)
        let lost = try lines("worker lost")
        #expect(lost.count == 1 && lost.allSatisfy { $0.contains(" warning ") && $0.contains("reason=silent for") }, "\(lost)")
    }

    @Test func garbageAndOtherProtocolVersionsGetAnErrorNotAHang() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 1)
        defer { cluster.stop() }
        let context = try ZMQContext()
        for endpoint in [cluster.endpoints.workers, cluster.endpoints.clients] {
            let socket = try ZMQSocket(context, .dealer)
            defer { socket.close() }
            try socket.connect(endpoint)
            func ask(_ frames: [Frame]) throws -> ErrorBody {
                try socket.send(frames)
                #expect(try ZMQPoll.readable([socket], timeoutMilliseconds: 5000)[0])
                let reply = try Message(frames: try #require(try socket.receive()))
                #expect(reply.command == .error)
                return try reply.decode(ErrorBody.self)
            }
            #expect(try ask([Array("GET / HTTP/1.1\r\n\r\n".utf8)]).code == "not-cinemesh")
            let other = try ask([Array("CMSH".utf8) + [3, Command.ready.rawValue], Array("{}".utf8)])
            #expect(other.code == "version-mismatch")
            #expect(other.message.contains("this peer speaks version 2"))
            let submit = try ask(Message(.submit, body: Array("{\"type\": 5}".utf8)).frames)
            #expect(submit.code == (endpoint == cluster.endpoints.clients ? "malformed" : "wrong-endpoint"), "\(submit)")
        }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        #expect(try client.workers().count == 1)
        #expect(throws: ClusterClient.Failure.self) { try client.submit(JobSpec(type: "nonsense", dataset: "sample")) }
        #expect(throws: ClusterClient.Failure.self) { try client.submit(JobSpec(type: "stats", dataset: "missing")) }
        #expect(throws: ClusterClient.Failure.self) { try client.status(12345) }
        #expect(try client.jobs().isEmpty)
    }

    @Test func aPeerOnTheWrongEndpointIsToldWhichItIsAndAWorkerStopsTrying() throws {
        let scratch = Scratch()
        let cluster = try start(scratch, workers: 1)
        defer { cluster.stop() }
        let (workers, clients) = (cluster.endpoints.workers, cluster.endpoints.clients)
        let settings = Self.settings.flatMap { ["--set", $0] }
        // A worker given the clients endpoint: refused at its READY, it stops at once instead of
        // reconnecting forever.
        let worker = try cinemesh(["worker", "--coordinator", clients, "--cache-dir", scratch.sub("cache")] + settings, timeout: 30)
        #expect(worker.status == 64, "\(worker.stderr)")
        #expect(worker.stderr.contains("cinemesh: error: worker.coordinator: \(clients): this is the coordinator's clients endpoint (workers connect to \(workers))"),
                "\(worker.stderr)")
        #expect(!worker.stderr.contains("reconnecting"))
        // A client given the workers endpoint.
        let submit = try cinemesh(["submit", "--type", "stats", "--dataset", "sample", "--coordinator", workers] + settings)
        #expect(submit.status == 64, "\(submit.stderr)")
        #expect(submit.stderr == "cinemesh: error: this is the coordinator's workers endpoint (clients connect to \(clients))\n", "\(submit.stderr)")
    }

    @Test func cachedShardsAreNotShippedAgainAndMetricsSayHowMuchMoved() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let metrics = try #require(cluster.endpoints.metrics.flatMap(HostPort.init))
        func shipped() throws -> Double {
            let text = try httpGet(host: metrics.host, port: metrics.port, path: "/metrics")
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("cinemesh_bytes_shipped_total ") })
            return try #require(Double(line.split(separator: " ")[1]))
        }
        #expect(try wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id).state == .succeeded)
        let afterFirst = try shipped()
        let shardBytes = Double(ds.manifest.blocks.map(\.bytes).reduce(0, +))
        #expect(afterFirst >= shardBytes)
        #expect(try wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id).state == .succeeded)
        let afterSecond = try shipped()
        // Each worker fetches a shard at most once; the second job finds most in the caches.
        #expect(afterSecond < afterFirst + shardBytes)
        #expect(afterSecond <= 2 * shardBytes)
    }

    @Test func sigtermStopsEachProcessCleanlyTellingItsPeers() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        // Liveness well above a loaded machine's stalls (tests run side by side on two cores): a
        // survivor that took the coordinator for dead would be reconnecting, not told it stops.
        let cluster = try start(scratch, workers: 2, settings: Self.settings.filter { !$0.hasPrefix("heartbeat.liveness") } + ["heartbeat.liveness=15"])
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "stats", dataset: "sample", parameters: ["task_delay_ms": "400"]))
        var busy: ChildProcess?
        for _ in 0 ..< 400 where busy == nil {
            if let w = try client.workers().first(where: { $0.activity != "idle" }) { busy = cluster.workers.first { $0.pid == w.pid } }
            usleep(10_000)
        }
        // A stopped worker says DISCONNECT, so its task is requeued at once, not after 3 heartbeats.
        let worker = try #require(busy)
        worker.signal(SIGTERM)
        #expect(worker.waitForExit(milliseconds: 5000))
        #expect(try String(contentsOfFile: worker.log, encoding: .utf8).contains("worker stopped"))
        var log = ""
        for _ in 0 ..< 100 where !log.contains("worker left") {
            log = try String(contentsOfFile: cluster.coordinator.log, encoding: .utf8)
            usleep(20_000)
        }
        #expect(log.contains("reason=worker shutting down"))
        // A stopped coordinator leaves the running job to the next one (ClusterTests+Restart.swift)
        // and tells the workers.
        cluster.coordinator.signal(SIGTERM)
        #expect(cluster.coordinator.waitForExit(milliseconds: 5000))
        #expect(try String(contentsOfFile: cluster.coordinator.log, encoding: .utf8).contains("coordinator stopped"))
        let registry = try JobRegistry(directory: scratch.sub("cluster/coordinator"))
        let record = try #require(try registry.job(job.id))
        #expect(record.state == .running && record.error == nil)
        #expect(try registry.events(job.id).last?.detail == "the coordinator stopped; the job resumes from the beginning when a coordinator starts again")
        let survivor = try #require(cluster.workers.first { $0.pid != worker.pid })
        var survivorLog = ""
        for _ in 0 ..< 100 where !survivorLog.contains("coordinator said DISCONNECT") {
            survivorLog = try String(contentsOfFile: survivor.log, encoding: .utf8)
            usleep(20_000)
        }
        #expect(survivorLog.contains("coordinator said DISCONNECT: coordinator shutting down"))
    }

    /// Trains svd on `workers` worker processes; returns the job record and the model file's bytes.
    func trainOnCluster(_ scratch: Scratch, workers: Int, parameters: [String: String],
                        during: (LocalCluster, ClusterClient, Int64) throws -> Void = { _, _, _ in }) throws -> (JobRecord, [UInt8], String) {
        let (done, log) = try trainJobOnCluster(scratch, workers: workers, parameters: parameters, during: during)
        let result = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(done.result).utf8))
        return (done, try FileSystem.readAll(try #require(result.modelFile)), log)
    }

    /// A `train` job on `sample` on a throwaway cluster of `workers`: its final record (expected
    /// to have succeeded) and the coordinator's log.
    func trainJobOnCluster(_ scratch: Scratch, workers: Int, parameters: [String: String],
                           during: (LocalCluster, ClusterClient, Int64) throws -> Void = { _, _, _ in }) throws -> (JobRecord, String) {
        let cluster = try LocalCluster.start(binary: cinemeshBinary, directory: scratch.sub("cluster-\(workers)-\(UInt32.random(in: 0 ... .max))"),
                                             workers: workers, datasetsDirectory: scratch.path, configFile: nil, settings: Self.settings,
                                             detached: false)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: parameters))
        try during(cluster, client, job.id)
        let done = try wait(client, job.id, seconds: 120)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        return (done, try String(contentsOfFile: cluster.coordinator.log, encoding: .utf8))
    }

    static let svdParameters = ["factors": "16", "epochs": "4", "lr": "0.01", "reg": "0.05", "seed": "3", "split": "random:0.2", "split_seed": "42"]

    /// Workers keep each svd job's rows apart: two jobs trained at once on the same two workers
    /// each give the model their parameters give alone, and a worker forgets a job's rows when
    /// the job ends.
    /// The task total `status --follow` shows for an svd job is right from the start and never
    /// moves (it grew and dipped as rows were placed and checkpoints merged, so the ETA misled).
    @Test func anSVDJobsTaskTotalIsKnownFromTheStart() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        var parameters = Self.svdParameters
        parameters["epochs"] = "12"
        let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: parameters))
        var totals: [Int] = []
        var record = try client.status(job.id)
        let deadline = Date().addingTimeInterval(120)
        while !record.state.isFinal && Date() < deadline {
            if record.state == .running && record.tasksTotal > 0 && totals.last != record.tasksTotal { totals.append(record.tasksTotal) }
            usleep(5_000)
            record = try client.status(job.id)
        }
        #expect(record.state == .succeeded, "\(record.error ?? "")")
        // 12 epochs x 16 blocks, 12 x 2 scoring tasks, and 4 rows collected after epochs 5, 10 and 12.
        #expect(record.tasksTotal == 12 * 16 + 12 * 2 + 3 * 4)
        #expect(totals.allSatisfy { $0 == record.tasksTotal }, "\(totals)")
    }

    @Test func svdJobsRunningAtOnceOnTheSameWorkersEachGiveTheirOwnModel() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        var other = Self.svdParameters
        other["seed"] = "4"
        other["epochs"] = "5"
        let cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let jobs = try [Self.svdParameters, other].map { try client.submit(JobSpec(type: "train", dataset: "sample", parameters: $0)) }
        let done = try jobs.map { try wait(client, $0.id, seconds: 120) }
        var files: [[UInt8]] = []
        for record in done {
            #expect(record.state == .succeeded, "\(record.error ?? "")")
            let result = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(record.result).utf8))
            files.append(try FileSystem.readAll(try #require(result.modelFile)))
        }
        let overlapped = try #require(done[1].startedAt) < (try #require(done[0].finishedAt))
        #expect(overlapped, "the two jobs ran at the same time")
        let alone = try [Self.svdParameters, other].map { try trainOnCluster(scratch, workers: 1, parameters: $0).1 }
        #expect(XXHash64.hash(files[0]) == XXHash64.hash(alone[0]))
        #expect(XXHash64.hash(files[1]) == XXHash64.hash(alone[1]))
    }

    @Test func svdModelFilesAreByteIdenticalOnOneTwoAndThreeWorkersAndEqualTheSingleProcessModel() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let runs = try (1 ... 3).map { try trainOnCluster(scratch, workers: $0, parameters: Self.svdParameters) }
        let files = runs.map(\.1)
        #expect(XXHash64.hash(files[0]) == XXHash64.hash(files[1]), "1 and 2 workers")
        #expect(XXHash64.hash(files[0]) == XXHash64.hash(files[2]), "1 and 3 workers")
        // Item rows wait on a worker when their column's next block runs there: from the second
        // epoch, one worker returns each column's rows once an epoch (the epoch's final rows) and
        // scores the held-out set on its own snapshots of them; user rows come back only for the
        // checkpoint (the last epoch here). With W workers a column changes workers at most W
        // times an epoch (cyclic strata over contiguous rows), and each worker is sent the item
        // rows it has no snapshot of to score.
        let row = FactorMatrix(rows: 1, factors: 16).stride + 1
        let itemBytes = ds.manifest.items * row * 4, userBytes = ds.manifest.users * row * 4
        for (n, run) in runs.enumerated() {
            let costs = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(run.0.result).utf8)).costs
            for (e, cost) in costs.enumerated().dropFirst() {
                let collected = e == costs.count - 1 ? userBytes : 0
                if n == 0 { #expect(cost.factorBytes == itemBytes + collected) }
                #expect(try #require(cost.factorBytes) <= (3 * (n + 1) + 1) * itemBytes + collected, "\(n + 1) workers")
            }
        }
        // The same bits as the in-process trainer on the same split.
        var p = SVDParameters()
        p.factors = 16; p.epochs = 4; p.learningRate = 0.01; p.regularization = 0.05; p.seed = 3
        let split = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: 0.2, seed: 42)
        let single = try SVDTrainer(parameters: p).fit(split.train, grid: ds.grid, users: ds.manifest.users, items: ds.manifest.items,
                                                       scale: ds.manifest.ratingScale)
        let path = scratch.sub("model.cmmodel")
        _ = try AtomicFile.write(files[0], to: path)
        let same = try ModelFile.read(path).model == single
        #expect(same, "the cluster's model is not the one-process model")
    }

    /// The held-out set is scored beside the next epoch on the cluster, so early stopping is
    /// decided a stage later: the model must still be the best epoch's, as in one process.
    @Test func earlyStoppingOnTheClusterKeepsTheOneProcessBestModel() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        // A learning rate high enough to overfit within a few epochs.
        var parameters = Self.svdParameters
        parameters["epochs"] = "40"; parameters["lr"] = "0.05"; parameters["reg"] = "0.001"; parameters["early_stopping"] = "2"
        let (record, file, _) = try trainOnCluster(scratch, workers: 2, parameters: parameters)
        var p = SVDParameters()
        p.factors = 16; p.epochs = 40; p.learningRate = 0.05; p.regularization = 0.001; p.seed = 3; p.earlyStoppingPatience = 2
        let split = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: 0.2, seed: 42)
        var epochs = 0
        let single = try SVDTrainer(parameters: p).fit(split.train, grid: ds.grid, users: ds.manifest.users, items: ds.manifest.items,
                                                       test: EvaluationSet(blocks: split.test), scale: ds.manifest.ratingScale) { _ in epochs += 1 }
        #expect(epochs < 40, "the one-process run never stopped early: nothing tested")
        let path = scratch.sub("early.cmmodel")
        _ = try AtomicFile.write(file, to: path)
        let model = try ModelFile.read(path)
        let same = model.model == single
        #expect(same, "the cluster's model is not the one-process best model")
        #expect(model.metadata.epochs.count == epochs, "\(record.summary ?? "")")
    }

    @Test(arguments: ["svd", "als"])
    func aWorkerKilledMidTrainingChangesNotOneBitOfTheModel(algo: String) throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        var parameters = Self.svdParameters
        parameters["algo"] = algo
        parameters["epochs"] = "12"
        if algo == "als" { parameters["lr"] = nil; parameters["reg"] = "0.1" }
        let (_, reference, _) = try trainOnCluster(scratch, workers: 1, parameters: parameters)
        let (record, survived, log) = try trainOnCluster(scratch, workers: 3, parameters: parameters) { cluster, client, id in
            try killBusyWorker(cluster, client) {
                let m = try client.status(id).metrics
                return m["epoch", default: 0] >= 3 || m["iteration", default: 0] >= 3
            }
        }
        #expect(record.retries >= 1)
        // svd: the dead worker held user rows, so the job went back to its last checkpoint and ran
        // the epochs since again. als keeps no state on workers: only the lost task ran again.
        #expect(log.contains("job rolled back after losing a worker's state") == (algo == "svd"))
        #expect(XXHash64.hash(survived) == XXHash64.hash(reference), "the model changed with a worker killed")
    }

    /// Grid rows stay pinned to the worker that holds them, so a worker that joins a running svd
    /// job would idle; the job checkpoints the epoch in flight and goes on from there with rows
    /// spread over both, and the model is still the same bits.
    @Test func aWorkerThatJoinsARunningSVDJobTakesItsShareOfRows() throws {
        let scratch = Scratch()
        _ = try sampleDataset(scratch)
        var parameters = Self.svdParameters
        parameters["epochs"] = "40"
        let (_, reference, _) = try trainOnCluster(scratch, workers: 1, parameters: parameters)
        let (_, joined, _) = try trainOnCluster(scratch, workers: 1, parameters: parameters) { cluster, client, id in
            let deadline = Date().addingTimeInterval(60)
            while try client.status(id).metrics["epoch", default: 0] < 3 && Date() < deadline { usleep(5_000) }
            let late = try ChildProcess.spawn(
                name: "worker-late", executable: cinemeshBinary,
                arguments: ["worker"] + Self.settings.flatMap { ["--set", $0] } + [
                    "--set", "worker.coordinator=\(cluster.endpoints.workers)", "--set", "worker.cache_dir=\(scratch.sub("late-cache"))",
                    "--set", "worker.id=late", "--set", "worker.metrics=",
                ],
                log: scratch.sub("late.log"), detached: false)
            defer {
                late.signal(SIGKILL)
                _ = late.waitForExit(milliseconds: 5000)
            }
            let done = try wait(client, id, seconds: 120)
            #expect(done.state == .succeeded)
            #expect(done.metrics["epoch", default: 0] == 40)
            let tasks = try client.workers().first { $0.workerId == "late" }?.tasksDone ?? 0
            #expect(tasks > 50, "the late worker ran \(tasks) tasks")
        }
        #expect(XXHash64.hash(joined) == XXHash64.hash(reference), "the model changed with a worker joining")
    }

    /// last:K needs every rating of a user, and a user's ratings lie in every block of the user's
    /// grid row: workers are sent the whole row's shards and split it as the whole dataset splits.
    @Test func leaveLastSplitsTrainTheOneProcessModelsOnTheCluster() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let split = try RatingSplit.leaveLast(try ds.allBlocks(includeTimestamps: true), count: 2, users: ds.manifest.users)
        var svd = SVDParameters()
        svd.factors = 16; svd.epochs = 4; svd.learningRate = 0.01; svd.regularization = 0.05; svd.seed = 3
        var als = ALSParameters()
        als.factors = 8; als.iterations = 3; als.seed = 5; als.regularization = 0.1
        let singles = [
            try SVDTrainer(parameters: svd).fit(split.train, grid: ds.grid, users: ds.manifest.users, items: ds.manifest.items,
                                                scale: ds.manifest.ratingScale),
            try ALSTrainer(parameters: als).fit(split.train, users: ds.manifest.users, items: ds.manifest.items, scale: ds.manifest.ratingScale),
            BaselineTrainer().fit(split.train, users: ds.manifest.users, items: ds.manifest.items),
        ]
        let parameters = [
            ["algo": "svd", "factors": "16", "epochs": "4", "lr": "0.01", "reg": "0.05", "seed": "3", "split": "last:2"],
            ["algo": "als", "factors": "8", "epochs": "3", "seed": "5", "reg": "0.1", "split": "last:2"],
            ["algo": "baseline", "split": "last:2"],
        ]
        for (p, single) in zip(parameters, singles) {
            let (record, file, _) = try trainOnCluster(scratch, workers: 2, parameters: p)
            let path = scratch.sub("\(p["algo"]!)-last.cmmodel")
            _ = try AtomicFile.write(file, to: path)
            let same = try ModelFile.read(path).model == single
            #expect(same, "\(p["algo"]!)")
            let result = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(record.result).utf8))
            #expect(result.testRatings == split.test.reduce(0) { $0 + $1.count }, "\(p["algo"]!)")
        }
    }

    @Test func alsImplicitALSAndBaselineModelFilesAreByteIdenticalForAnyWorkerCountAndEqualTheSingleProcessModels() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let split = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: 0.2, seed: 42)
        let common = ["factors": "8", "epochs": "3", "seed": "5", "split": "random:0.2", "split_seed": "42"]
        var explicit = ALSParameters()
        explicit.factors = 8; explicit.iterations = 3; explicit.seed = 5; explicit.regularization = 0.1
        var implicit = ImplicitALSParameters()
        implicit.factors = 8; implicit.iterations = 3; implicit.seed = 5; implicit.regularization = 0.05; implicit.alpha = 40
        var baseline = BaselineTrainer()
        baseline.epochs = 3
        let singles = [
            try ALSTrainer(parameters: explicit).fit(split.train, users: ds.manifest.users, items: ds.manifest.items, scale: ds.manifest.ratingScale),
            try ImplicitALSTrainer(parameters: implicit).fit(split.train, users: ds.manifest.users, items: ds.manifest.items),
            baseline.fit(split.train, users: ds.manifest.users, items: ds.manifest.items),
        ]
        for (algo, single) in zip(["als", "als-implicit", "baseline"], singles) {
            var parameters = common
            parameters["algo"] = algo
            parameters["reg"] = ["als": "0.1", "als-implicit": "0.05"][algo]
            if algo == "baseline" { parameters["factors"] = nil; parameters["seed"] = nil }
            let files = try [1, 3].map { try trainOnCluster(scratch, workers: $0, parameters: parameters).1 }
            #expect(XXHash64.hash(files[0]) == XXHash64.hash(files[1]), "\(algo): 1 and 3 workers")
            let path = scratch.sub("\(algo).cmmodel")
            _ = try AtomicFile.write(files[0], to: path)
            let model = try ModelFile.read(path)
            let same = model.model == single
            #expect(same, "\(algo): cluster and one process")
            #expect(model.metadata.algorithm == algo)
        }
    }

    @Test func tuneRunsEveryTrialOnTheSameSplitAndRanksThemLikeOneProcessWould() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "tune", dataset: "sample", parameters: [
            "algo": "svd", "grid": "reg=0.02,0.1;lr=0.005,0.02", "factors": "8", "epochs": "3", "seed": "1",
        ]))
        let done = try wait(client, job.id, seconds: 120)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        let outcome = try JSONDecoder().decode(TuneJob.Outcome.self, from: Data(try #require(done.result).utf8))
        #expect(outcome.metric == "rmse" && outcome.trials.count == 4)
        let rmses = outcome.trials.map { $0.metrics["rmse"]! }
        #expect(rmses == rmses.sorted())
        #expect(Set(outcome.trials.map { "\($0.parameters["reg"]!) \($0.parameters["lr"]!)" }).count == 4)
        // Every trial is the one-process result for its parameters on the default split.
        let split = RatingSplit.random(try ds.allBlocks(includeTimestamps: false), testFraction: 0.2, seed: 42)
        let test = EvaluationSet(blocks: split.test)
        for trial in outcome.trials {
            var p = SVDParameters()
            p.factors = 8; p.epochs = 3; p.seed = 1
            p.regularization = Float(trial.parameters["reg"]!)!
            p.learningRate = Float(trial.parameters["lr"]!)!
            let model = try SVDTrainer(parameters: p).fit(split.train, grid: ds.grid, users: ds.manifest.users, items: ds.manifest.items,
                                                          scale: ds.manifest.ratingScale)
            #expect(test.errors(of: model, scale: ds.manifest.ratingScale).rmse == trial.metrics["rmse"])
        }
        // Bad grids are refused at submit, before anything is recorded.
        #expect(throws: ClusterClient.Failure.self) { try client.submit(JobSpec(type: "tune", dataset: "sample", parameters: ["grid": "speed=1,2"])) }
        #expect(throws: ClusterClient.Failure.self) { try client.submit(JobSpec(type: "tune", dataset: "sample", parameters: [:])) }
    }
}
