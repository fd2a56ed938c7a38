import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshStore
import Foundation
import Testing

/// Gateways that follow the coordinator (`cinemesh gateway --coordinator`): real coordinator,
/// worker and gateway processes on loopback, the subscription's messages on the wire, and a
/// stand-in coordinator that serves a damaged file.
@Suite(.serialized) struct ModelFeedTests {
    static let training = ["factors": "4", "epochs": "2", "lr": "0.01", "split": "random:0.2", "split_seed": "42"]
    /// The cluster tests' helpers: the sample dataset, local clusters, waiting for jobs.
    let helpers = ClusterTests()

    /// data/sample and a local cluster of two workers with fast liveness.
    func startCluster(_ scratch: Scratch) throws -> LocalCluster {
        _ = try helpers.sampleDataset(scratch)
        return try helpers.start(scratch, workers: 2)
    }

    /// Trains svd through the cluster; the result names the model version the job published.
    func train(_ client: ClusterClient, seed: Int) throws -> TrainingResult {
        let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: Self.training.merging(["seed": "\(seed)"]) { $1 }))
        let done = try helpers.wait(client, job.id, seconds: 120)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        return try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(done.result).utf8))
    }

    /// A gateway following `endpoint`, its replica in `scratch/replica`.
    func follow(_ endpoint: String, _ scratch: Scratch) throws -> (ChildProcess, Int) {
        try spawnGateway(["--coordinator", endpoint, "--models", scratch.sub("replica")] + ClusterTests.settings.flatMap { ["--set", $0] },
                         log: scratch.sub("gateway.log"))
    }

    /// The model version the gateway serves now (0: none, or no answer).
    func servedVersion(_ port: Int) -> Int {
        let answer = try? http(host: "127.0.0.1", port: port, path: "/v1/model")
        return (answer.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) } as? [String: Any])?["model_version"] as? Int ?? 0
    }

    /// Asks `servedVersion` until it is `version` or `seconds` have passed; returns the last answer.
    func served(_ port: Int, becomes version: Int, seconds: Double = 30) -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var now = servedVersion(port)
        while now != version && Date() < deadline {
            usleep(50_000)
            now = servedVersion(port)
        }
        return now
    }

    /// Whether `text` shows up in the log at `path` within `seconds`.
    func logs(_ path: String, _ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if (try? String(contentsOfFile: path, encoding: .utf8))?.contains(text) == true { return true }
            usleep(25_000)
        } while Date() < deadline
        return false
    }

    @Test func aGatewayStartedBeforeAnyModelServesEachModelTheClusterTrainsWithoutARestart() throws {
        let scratch = Scratch()
        let cluster = try startCluster(scratch)
        defer { cluster.stop() }
        let (gateway, port) = try follow(cluster.endpoints.clients, scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        #expect(logs(gateway.log, "subscribed to the coordinator's models"))
        #expect(try http(host: "127.0.0.1", port: port, path: "/readyz").status == 503)
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let first = try train(client, seed: 1)
        #expect(first.modelVersion == 1)
        #expect(served(port, becomes: 1) == 1)
        #expect(try http(host: "127.0.0.1", port: port, path: "/readyz").status == 200)
        let second = try train(client, seed: 2)
        #expect(second.modelVersion == 2)
        #expect(served(port, becomes: 2) == 2)
        // The replica names each version as the coordinator's registry does, with the same bytes.
        let replica = try ModelStore(directory: scratch.sub("replica")).list()
        #expect(replica.map(\.version) == [2, 1])
        #expect(replica.map(\.xxh64) == [second.modelXXH64, first.modelXXH64])
        #expect(try FileSystem.readAll(scratch.sub("replica/" + replica[0].file)) == FileSystem.readAll(try #require(second.modelFile)))
        #expect(try FileSystem.list(scratch.sub("replica")).allSatisfy { !$0.hasSuffix(".partial") })
    }

    @Test func aGatewayKeepsServingWhileTheCoordinatorIsAwayAndCatchesUpWhenItIsBack() throws {
        let scratch = Scratch()
        var cluster = try startCluster(scratch)
        defer { cluster.stop() }
        var client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        #expect(try train(client, seed: 1).modelVersion == 1)
        // Started after the model was published: the answer to its subscription names it.
        let (gateway, port) = try follow(cluster.endpoints.clients, scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        #expect(served(port, becomes: 1) == 1)
        cluster.coordinator.signal(SIGKILL)
        #expect(cluster.coordinator.waitForExit(milliseconds: 5000))
        #expect(logs(gateway.log, "reconnecting to the coordinator"))
        #expect(servedVersion(port) == 1)
        client = try helpers.restartCoordinator(&cluster, scratch)
        #expect(try train(client, seed: 2).modelVersion == 2)
        #expect(served(port, becomes: 2) == 2)
    }

    /// A coordinator stopped cleanly (SIGTERM) tells the gateways that follow it, which reconnect at
    /// once rather than after the liveness timeout, and keep serving meanwhile.
    @Test func aCoordinatorStoppedCleanlySaysGoodbyeToItsGateways() throws {
        let scratch = Scratch()
        _ = try helpers.sampleDataset(scratch)
        // A liveness of 10 s (the gateway takes it from the coordinator): only the goodbye, not
        // silence, can make the gateway reconnect within the test.
        let cluster = try helpers.start(scratch, workers: 1, settings: ClusterTests.settings + ["heartbeat.liveness=50"])
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        #expect(try train(client, seed: 1).modelVersion == 1)
        let (gateway, port) = try follow(cluster.endpoints.clients, scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        #expect(served(port, becomes: 1) == 1)
        cluster.coordinator.signal(SIGTERM)
        #expect(cluster.coordinator.waitForExit(milliseconds: 10_000))
        #expect(logs(gateway.log, "the coordinator said goodbye", seconds: 5), "\((try? String(contentsOfFile: gateway.log, encoding: .utf8)) ?? "")")
        #expect(logs(gateway.log, "reconnecting to the coordinator", seconds: 5))
        #expect(servedVersion(port) == 1)
    }

    /// A gateway follows one model name: a model of another dataset published meanwhile is never
    /// served in its place, and every answer says which model answered.
    @Test func aGatewayNeverSwapsToAModelOfAnotherName() throws {
        let scratch = Scratch()
        let cluster = try startCluster(scratch)
        defer { cluster.stop() }
        // A second dataset in the coordinator's datasets directory.
        #expect(try cinemesh(["generate", "--ratings", "5000", "--users", "100", "--items", "200", "--seed", "3",
                              "--dataset", scratch.sub("other")]).status == 0)
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        func train(_ dataset: String, seed: Int) throws -> TrainingResult {
            let job = try client.submit(JobSpec(type: "train", dataset: dataset, parameters: Self.training.merging(["seed": "\(seed)"]) { $1 }))
            let done = try helpers.wait(client, job.id, seconds: 120)
            #expect(done.state == .succeeded, "\(done.error ?? "")")
            return try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(done.result).utf8))
        }
        #expect(try train("sample", seed: 1).modelName == "sample/svd")
        let (gateway, port) = try follow(cluster.endpoints.clients, scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        #expect(served(port, becomes: 1) == 1)
        #expect(try train("other", seed: 1).modelVersion == 2)
        #expect(logs(gateway.log, "not following model other/svd"))
        #expect(servedVersion(port) == 1)
        let info = try JSONSerialization.jsonObject(with: Data(try httpGet(host: "127.0.0.1", port: port, path: "/v1/model").utf8)) as? [String: Any]
        #expect(info?["model"] as? String == "sample/svd" && info?["dataset"] as? String == "sample")
        #expect(try httpGet(host: "127.0.0.1", port: port, path: "/v1/popular?n=1").contains("\"model\":\"sample/svd\""))
        let other = try http(host: "127.0.0.1", port: port, path: "/v1/popular?n=1&model=other/svd")
        #expect(other.status == 404 && other.body.contains("unknown-model"), "\(other.body)")
        // The followed name's next version is served.
        #expect(try train("sample", seed: 2).modelVersion == 3)
        #expect(served(port, becomes: 3) == 3)
    }

    /// Sends `message` on `socket` and returns the first answer that is not WATCHING.
    func ask(_ socket: ZMQSocket, _ message: Message) throws -> Message {
        try socket.send(message.frames)
        while true {
            #expect(try ZMQPoll.readable([socket], timeoutMilliseconds: 5000)[0])
            let answer = try Message(frames: try #require(try socket.receive()))
            if answer.command != .watching { return answer }
        }
    }

    func error(_ message: Message) throws -> ErrorBody {
        #expect(message.command == .error)
        return try message.decode(ErrorBody.self)
    }

    @Test func theSubscriptionOnTheWireWithItsErrors() throws {
        let scratch = Scratch()
        let cluster = try startCluster(scratch)
        defer { cluster.stop() }
        let context = try ZMQContext()
        let subscriber = try ZMQSocket(context, .dealer)
        defer { subscriber.close() }
        try subscriber.connect(cluster.endpoints.clients)
        try subscriber.send(Message(.watchModels, WatchModelsBody(newest: 0)).frames)
        #expect(try ZMQPoll.readable([subscriber], timeoutMilliseconds: 5000)[0])
        let watching = try Message(frames: try #require(try subscriber.receive()))
        #expect(watching.command == .watching)
        let rules = try watching.decode(WatchingBody.self)
        #expect(rules.newest == nil && rules.heartbeatMilliseconds == 200 && rules.liveness == 3 && rules.window >= 1)
        // Bodies that do not decode are refused naming the field; unknown files are an error, not a crash.
        #expect(try error(ask(subscriber, Message(.watchModels, body: Array(#"{"newest": "one"}"#.utf8)))).message
            == "malformed WATCH-MODELS: field 'newest' has the wrong type")
        #expect(try error(ask(subscriber, Message(.watchModels, body: Array("{}".utf8)))).message
            == "malformed WATCH-MODELS: body lacks field 'newest'")
        let badFetch = try error(ask(subscriber, Message(.fetch, body: Array(#"{"xxh64": 7, "offset": 0, "length": 10}"#.utf8))))
        #expect(badFetch.code == "malformed" && badFetch.message.contains("'xxh64'"))
        let unknown = try ask(subscriber, Message(.fetch, FetchBody(xxh64: "0123456789abcdef", offset: 0, length: 10)))
        #expect(unknown.command == .chunk && unknown.payload.isEmpty)
        #expect(try unknown.decode(ChunkBody.self).error == "no published file has xxh64 0123456789abcdef")
        let metrics = try #require(cluster.endpoints.metrics.flatMap(HostPort.init))
        func subscribers() throws -> Double? {
            try httpGet(host: metrics.host, port: metrics.port, path: "/metrics").split(separator: "\n")
                .first { $0.hasPrefix("cinemesh_model_subscribers ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect(try subscribers() == 1)
        // A job's model is pushed to the subscriber, which keeps its subscription alive meanwhile.
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: Self.training))
        var notice: ModelNotice?
        let deadline = Date().addingTimeInterval(120)
        while notice == nil && Date() < deadline {
            try subscriber.send(Message(.watchModels, WatchModelsBody(newest: 0)).frames)
            _ = try ZMQPoll.readable([subscriber], timeoutMilliseconds: 150)
            while notice == nil, let frames = try subscriber.receive(dontWait: true) {
                let message = try Message(frames: frames)
                if message.command == .modelPublished { notice = try message.decode(ModelNotice.self) }
            }
        }
        let published = try #require(notice)
        let result = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(try helpers.wait(client, job.id).result).utf8))
        #expect(published.version == 1 && published.xxh64 == result.modelXXH64 && published.algorithm == "svd")
        // Its file comes by content, in chunks, from a peer that never subscribed.
        let fetcher = try ZMQSocket(context, .dealer)
        defer { fetcher.close() }
        try fetcher.connect(cluster.endpoints.clients)
        var bytes: [UInt8] = []
        while UInt64(bytes.count) < published.bytes {
            let chunk = try ask(fetcher, Message(.fetch, FetchBody(xxh64: published.xxh64, offset: UInt64(bytes.count), length: 65536)))
            #expect(chunk.command == .chunk && chunk.payload.count == 1)
            #expect(try chunk.decode(ChunkBody.self).offset == UInt64(bytes.count))
            bytes += try #require(chunk.payload.first)
        }
        #expect(bytes == (try FileSystem.readAll(try #require(result.modelFile))))
        #expect(XXHash64.hash(bytes).hex16 == published.xxh64)
        let past = try ask(fetcher, Message(.fetch, FetchBody(xxh64: published.xxh64, offset: published.bytes, length: 10)))
        #expect(try past.decode(ChunkBody.self).error?.contains("outside the file") == true)
        // A subscriber silent for liveness x interval is forgotten.
        var left = try subscribers()
        for _ in 0 ..< 100 where left != 0 {
            usleep(50_000)
            left = try subscribers()
        }
        #expect(left == 0)
    }

    @Test func aDamagedTransferIsRefusedAndTheCurrentModelKeepsServing() throws {
        let scratch = Scratch()
        _ = try helpers.sampleDataset(scratch)
        for seed in 1 ... 2 {
            let trained = try cinemesh(["train", scratch.sub("sample"), "--factors", "4", "--epochs", "2", "--seed", "\(seed)",
                                        "--store", scratch.sub("origin")])
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        let origin = try ModelStore(directory: scratch.sub("origin")).list().reversed().map { ($0, try FileSystem.readAll(scratch.sub("origin/" + $0.file))) }
        // A stand-in coordinator: answers WATCH-MODELS and FETCH, with one bit of version 2 flipped.
        let context = try ZMQContext()
        let router = try ZMQSocket(context, .router)
        defer { router.close() }
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        var newest = ModelNotice(origin[0].0)
        var subscriber: Frame?
        func serve(until done: () -> Bool) throws -> Bool {
            let deadline = Date().addingTimeInterval(30)
            var checked = Date.distantPast
            while Date() < deadline {
                if try ZMQPoll.readable([router], timeoutMilliseconds: 20)[0], let frames = try router.receive(dontWait: true) {
                    let message = try Message(frames: Array(frames.dropFirst()))
                    subscriber = frames[0]
                    if message.command == .watchModels {
                        try router.send([frames[0]] + Message(.watching, WatchingBody(coordinatorId: "stand-in", heartbeatMilliseconds: 200, liveness: 3,
                                                                                     chunkBytes: 4096, window: 2, newest: newest)).frames)
                    } else if message.command == .fetch {
                        let fetch = try message.decode(FetchBody.self)
                        let (record, file) = try #require(origin.first { $0.0.xxh64 == fetch.xxh64 })
                        let start = Int(fetch.offset), end = min(file.count, start + fetch.length)
                        var bytes = Array(file[start ..< end])
                        if record.version == 2 && start == 0 { bytes[100] ^= 0x10 }
                        try router.send([frames[0]] + Message(.chunk, ChunkBody(xxh64: fetch.xxh64, offset: fetch.offset), payload: [bytes]).frames)
                    }
                }
                if Date().timeIntervalSince(checked) > 0.1 {
                    checked = Date()
                    if done() { return true }
                }
            }
            return false
        }
        let (gateway, port) = try follow(endpoint, scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        #expect(try serve { servedVersion(port) == 1 })
        newest = ModelNotice(origin[1].0)
        try router.send([try #require(subscriber)] + Message(.modelPublished, newest).frames)
        #expect(try serve { logs(gateway.log, "refused model version 2 from the coordinator", seconds: 0) })
        #expect(servedVersion(port) == 1)
        #expect(try ModelStore(directory: scratch.sub("replica")).list().map(\.version) == [1])
        #expect(try FileSystem.list(scratch.sub("replica")).allSatisfy { !$0.hasSuffix(".partial") })
    }
}
