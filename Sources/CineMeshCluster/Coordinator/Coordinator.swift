import CZeroMQ
import CineMeshData
import CineMeshStore
import Foundation
import Logging

/// The coordinator: one loop thread owns both ROUTER sockets (workers, clients), the scheduler,
/// the running jobs and the registry. Nothing here blocks on a peer: sends never wait and the
/// loop polls with a short timeout so heartbeats and liveness run on time.
public final class Coordinator: @unchecked Sendable {
    public let config: ClusterConfig
    public let endpoints: (workers: String, clients: String)
    let logger: Logger
    let metrics = ClusterMetrics()
    let registry: JobRegistry
    let jobTypes: [String: JobType]
    let coordinatorId: String

    private let context: ZMQContext
    let workerSocket: ZMQSocket
    let clientSocket: ZMQSocket
    private let stopLock = Lock()
    private var stopRequested = false

    var scheduler: Scheduler
    var jobs: [Int64: ActiveJob] = [:]
    /// Jobs whose drivers are being made off the loop thread (still `queued`).
    var preparing: [Int64: JobRecord] = [:]
    /// The dataset directory and version each preparing or running job opened: what pruning old
    /// dataset versions must keep (`releaseDataset`).
    var datasetUses: [Int64: (path: String, version: Int)] = [:]
    /// Prunes of old dataset versions under way on `prepareQueue`.
    let pruning = DispatchGroup()
    let prepareQueue = DispatchQueue(label: "cinemesh.coordinator.prepare")
    let preparedLock = Lock()
    /// `prepareQueue` pokes the loop through this pair when a driver or a result is ready, so a
    /// short job (a query) does not wait out a poll interval twice.
    let wakeReceiver: ZMQSocket
    let wakeSender: ZMQSocket
    /// Guards `wakeSender` against a send from `prepareQueue` after the loop closed it.
    let wakeLock = Lock()
    var wakeClosed = false
    /// Drivers made (or failed) on `prepareQueue`, waiting for the loop to start them.
    var prepared: [PreparedDriver] = []
    /// Results made on `prepareQueue` for jobs whose stages are all done.
    var finished: [(id: Int64, outcome: Result<JobOutcome, Error>)] = []
    let files = FileServer()
    /// Datasets opened by earlier jobs, reused while unchanged.
    let datasets = DatasetCache()
    /// The coordinator's model store, where training jobs publish (`<state dir>/models`).
    let models: ModelStore
    /// Running jobs' newest checkpoints (`<state dir>/checkpoints`), to resume them from.
    let checkpoints: JobCheckpoints
    /// The newest model published, as subscribers are told of it.
    /// The newest published model of each name.
    var newestModels: [String: ModelNotice] = [:]
    /// Model subscribers (gateways) by routing id, with when each was last heard from.
    var subscribers: [Frame: UInt64] = [:]
    /// CURVE and its ZAP handler (nil: plain TCP on loopback).
    let security: CurveServer?
    private let zap: ZAPHandler?
    /// Handshake failures on each endpoint (plain TCP against CURVE, garbage instead of ZMTP).
    private let monitors: [(endpoint: String, monitor: HandshakeMonitor)]
    /// Refused messages and handshakes, logged at a bounded rate.
    var refusals = RefusalLog()

    /// Opens the registry and the stores and binds both endpoints. The sockets move to the loop
    /// thread in `run()`, which first takes up the jobs a previous run left unfinished.
    public init(config: ClusterConfig, jobTypes: [JobType], logger: Logger) throws {
        self.config = config
        self.logger = logger
        self.jobTypes = Dictionary(uniqueKeysWithValues: jobTypes.map { ($0.name, $0) })
        coordinatorId = "\(ProcessInfo.processInfo.hostName)/\(getpid())"
        registry = try JobRegistry(directory: config.coordinatorStateDirectory)
        models = try ModelStore(directory: FileSystem.join(config.coordinatorStateDirectory, "models"))
        checkpoints = try JobCheckpoints(stateDirectory: config.coordinatorStateDirectory)
        scheduler = Scheduler(heartbeatInterval: UInt64(config.heartbeatIntervalMilliseconds),
                              deadAfter: UInt64(config.deadAfterMilliseconds), maxAttempts: config.coordinatorMaxAttempts)
        security = try ClusterSecurity.server(config)
        context = try ZMQContext()
        workerSocket = try ZMQSocket(context, .router)
        clientSocket = try ZMQSocket(context, .router)
        // Bounded queues both ways: a slow peer cannot make the coordinator buffer without limit.
        try workerSocket.setOption(ZMQ_SNDHWM, 10_000)
        if let security {
            // The handler is bound before any socket can take a handshake.
            let handler = try ZAPHandler(context: context, allowListPath: security.allowListPath, logger: logger)
            try workerSocket.secure(as: security, domain: "workers")
            try clientSocket.secure(as: security, domain: "clients")
            handler.start()
            zap = handler
        } else {
            zap = nil
            logger.warning("plain TCP without authentication: any process on this box can connect (set security.keys_dir for CURVE; docs/SECURITY.md)")
        }
        monitors = [(config.coordinatorWorkersEndpoint, try HandshakeMonitor(watching: workerSocket, context: context)),
                    (config.coordinatorClientsEndpoint, try HandshakeMonitor(watching: clientSocket, context: context))]
        endpoints = (try workerSocket.bind(config.coordinatorWorkersEndpoint), try clientSocket.bind(config.coordinatorClientsEndpoint))
        wakeReceiver = try ZMQSocket(context, .pull)
        wakeSender = try ZMQSocket(context, .push)
        let wake = "inproc://coordinator-wake-\(UInt(bitPattern: ObjectIdentifier(context).hashValue))"
        _ = try wakeReceiver.bind(wake)
        try wakeSender.connect(wake)
        try servePublishedModels()
    }

    /// Asks the loop to stop; safe from any thread. `run()` returns within one poll interval.
    public func requestStop() {
        stopLock.withLock { stopRequested = true }
    }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    /// The loop. Returns after `requestStop()`, having told workers and left unfinished jobs to
    /// the next coordinator.
    public func run() {
        logger.info("coordinator listening", metadata: ["workers": "\(endpoints.workers)", "clients": "\(endpoints.clients)",
                                                        "state": "\(config.coordinatorStateDirectory)"])
        resumeUnfinishedJobs()
        let pollMilliseconds = max(5, min(100, config.heartbeatIntervalMilliseconds / 4))
        while !shouldStop {
            do {
                let ready = try ZMQPoll.readable([workerSocket, clientSocket, wakeReceiver], timeoutMilliseconds: pollMilliseconds)
                if ready[0] { try drainWorkers() }
                if ready[1] { try drainClients() }
                if ready[2] { while try wakeReceiver.receive(dontWait: true) != nil {} }
                startPreparedJobs()
                endFinishedJobs()
                noteWrittenCheckpoints()
                perform(scheduler.tick(now: MonotonicClock.milliseconds()))
                forgetSilentSubscribers(now: MonotonicClock.milliseconds())
                logRefusals(now: MonotonicClock.milliseconds())
                metrics.queueDepth.record(scheduler.queueDepth)
                metrics.workersAlive.record(scheduler.workers.count)
            } catch {
                logger.error("coordinator loop: \(error)")
            }
        }
        shutDown()
    }

    private func shutDown() {
        leaveUnfinishedJobs()
        // Dataset versions being removed finish first (a few file removals; bounded all the same).
        _ = pruning.wait(timeout: .now() + 5)
        do {
            let goodbye = try Message(.disconnect, DisconnectBody(reason: "coordinator shutting down"))
            for w in scheduler.workerList { try? workerSocket.send([w.routing] + goodbye.frames, dontWait: true) }
        } catch {
            logger.error("cannot tell the workers that the coordinator stops: \(error)")
        }
        workerSocket.close(lingering: 500)   // the DISCONNECTs leave before the socket goes
        // Gateways following the models hear it too, and reconnect with backoff at once instead
        // of waiting out the liveness timeout.
        for routing in subscribers.keys {
            try? clientSocket.send([routing] + Message(.disconnect, DisconnectBody(reason: "coordinator shutting down")).frames, dontWait: true)
        }
        clientSocket.close(lingering: 500)
        wakeLock.withLock {
            wakeClosed = true
            wakeSender.close(lingering: 0)
        }
        wakeReceiver.close(lingering: 0)
        for (_, monitor) in monitors { monitor.close() }
        zap?.stop()
        // The goodbyes leave before the process does (at most the linger).
        context.terminate()
        logger.info("coordinator stopped")
    }

    // MARK: Worker channel

    private func drainWorkers() throws {
        for _ in 0 ..< 1000 {
            guard let (frames, peer) = try workerSocket.receiveWithPeer(dontWait: true) else { return }
            guard frames.count >= 2 else { continue }
            handleWorker(routing: frames[0], Array(frames.dropFirst()), peer: peer)
        }
    }

    private func handleWorker(routing: Frame, _ frames: [Frame], peer: PeerMetadata) {
        let now = MonotonicClock.milliseconds()
        let message: Message
        do {
            message = try Message(frames: frames)
        } catch {
            refuse(routing, error, on: workerSocket, peer: peer)
            return
        }
        do {
            switch message.command {
            case .ready:
                let ready = try message.decode(ReadyBody.self)
                logger.info("worker registered", metadata: ["worker": "\(ready.workerId)", "host": "\(ready.host)",
                                                            "cores": "\(ready.capacity.cores)", "cached_files": "\(ready.cached.count)"])
                let welcome = WelcomeBody(coordinatorId: coordinatorId, heartbeatMilliseconds: config.heartbeatIntervalMilliseconds,
                                          liveness: config.heartbeatLiveness, chunkBytes: config.transferChunkBytes,
                                          window: config.transferWindow)
                perform(scheduler.register(routing: routing, ready: ready, keyName: peer.keyName,
                                           welcome: try Message(.welcome, welcome), now: now))
                announceWorkers()
            case .heartbeat, .fetch, .result, .failed:
                guard scheduler.heard(from: routing, now: now) else {
                    // MDP's rule: a peer we do not know is told to register again.
                    send(routing, try Message(.disconnect, DisconnectBody(reason: "unknown worker: send READY")))
                    return
                }
                switch message.command {
                case .fetch: send(routing, try chunk(answering: try message.decode(FetchBody.self)))
                case .result:
                    perform(scheduler.completed(from: routing, try message.decode(ResultBody.self), payload: message.payload, now: now))
                case .failed:
                    let failure = try message.decode(FailedBody.self)
                    logger.warning("task attempt failed", metadata: ["job": "\(failure.job)", "task": "\(failure.task)",
                                                                     "attempt": "\(failure.attempt)", "error": "\(failure.message)"])
                    perform(scheduler.failed(from: routing, failure, now: now))
                default: break
                }
            case .disconnect:
                let reason = (try? message.decode(DisconnectBody.self).reason) ?? "no reason given"
                perform(scheduler.disconnected(routing, reason: reason, now: now))
            case .error:
                let body = try? message.decode(ErrorBody.self)
                logger.warning("worker sent ERROR", metadata: ["code": "\(body?.code ?? "?")", "message": "\(body?.message ?? "")"])
            default:
                guard message.command.channel == .clients else { throw ProtocolError.malformed(message.command, "not a worker-channel command") }
                throw ProtocolError.wrongEndpoint("this is the coordinator's workers endpoint (clients connect to \(endpoints.clients))")
            }
        } catch let error as ProtocolError {
            refuse(routing, error, on: workerSocket, peer: peer)
        } catch {
            logger.error("handling \(message.command): \(error)")
        }
    }

    /// The CHUNK answering a FETCH (from a worker, or a model subscriber on the clients channel).
    func chunk(answering request: FetchBody) throws -> Message {
        switch files.read(request, maxLength: max(config.transferChunkBytes, 64 << 20)) {
        case .success(let bytes):
            metrics.bytesShipped.increment(by: Int64(bytes.count))
            return try Message(.chunk, ChunkBody(xxh64: request.xxh64, offset: request.offset), payload: [bytes])
        case .failure(let error):
            logger.warning("cannot serve FETCH", metadata: ["file": "\(request.xxh64)", "error": "\(error.message)"])
            return try Message(.chunk, ChunkBody(xxh64: request.xxh64, offset: request.offset, error: error.message))
        }
    }

    /// Answers a message that breaks the protocol with ERROR; the log line is rate-limited per
    /// peer (`RefusalLog`), so a peer sending garbage cannot flood the log.
    func refuse(_ routing: Frame, _ error: ProtocolError, on socket: ZMQSocket, peer: PeerMetadata) {
        metrics.protocolErrors.increment()
        let who = [peer.userId, peer.address].compactMap { $0 }.joined(separator: " at ")
        if let line = refusals.record(peer: who.isEmpty ? "a local peer" : who, reason: "\(error.code): \(error)", now: MonotonicClock.milliseconds()) {
            logRefusal(line)
        }
        do {
            try socket.send([routing] + Message(.error, ErrorBody(code: error.code, message: error.description)).frames, dontWait: true)
        } catch let failure {
            logger.warning("cannot send ERROR \(error.code): \(failure)")
        }
    }

    /// Writes the refusal summaries whose interval ended, and the handshakes the endpoints failed.
    private func logRefusals(now: UInt64) {
        for (endpoint, monitor) in monitors {
            for failure in monitor.failures() {
                // A key the ZAP handler refused is logged there, with the key.
                if case .refused = failure.kind { continue }
                metrics.handshakesFailed.increment()
                if let line = refusals.record(peer: "a peer of \(endpoint)", reason: "handshake failed: \(failure.reason)", now: now) {
                    logRefusal(line)
                }
            }
        }
        for line in refusals.flush(now: now) { logRefusal(line) }
    }

    func logRefusal(_ line: RefusalLog.Line) {
        if line.isSummary {
            logger.warning("refused the same peer again", metadata: ["peer": "\(line.peer)", "times": "\(line.count)", "last_reason": "\(line.reason)"])
        } else {
            logger.warning("refused a peer", metadata: ["peer": "\(line.peer)", "reason": "\(line.reason)"])
        }
    }

    func send(_ routing: Frame, _ message: Message) {
        do {
            try workerSocket.send([routing] + message.frames, dontWait: true)
            scheduler.sent(to: routing, now: MonotonicClock.milliseconds())
        } catch {
            logger.warning("send \(message.command) failed: \(error)")
        }
    }

    // MARK: Scheduler actions

    /// Tasks for a log line: "none", or their keys separated by commas.
    private static func list(_ tasks: [Scheduler.TaskKey]) -> String {
        tasks.isEmpty ? "none" : tasks.map(\.description).joined(separator: ", ")
    }

    func perform(_ actions: [Scheduler.Action]) {
        for action in actions {
            switch action {
            case .send(let routing, let message):
                send(routing, message)
            case .workerLost(let workerId, let session, let reason, let requeued):
                metrics.workersLost.increment()
                if reason.hasPrefix("silent") { metrics.heartbeatsMissed.increment(by: Int64(config.heartbeatLiveness)) }
                logger.warning("worker lost", metadata: ["worker": "\(workerId)", "reason": "\(reason)", "requeued": "\(Self.list(requeued))"])
                rollBack(lost: session)
            case .workerLeft(let workerId, let session, let reason, let requeued):
                // A clean stop (SIGTERM, `cinemesh down`): the worker said goodbye.
                metrics.workersLost.increment()
                logger.info("worker left", metadata: ["worker": "\(workerId)", "reason": "\(reason)", "requeued": "\(Self.list(requeued))"])
                rollBack(lost: session)
            case .completed(let key, let body, let payload, let workerId, let session):
                metrics.tasksRun.increment()
                logger.debug("task done", metadata: ["job": "\(key.job)", "task": "\(key.task)", "attempt": "\(body.attempt)",
                                                     "worker": "\(workerId)", "seconds": "\(body.seconds)"])
                taskCompleted(key, body, payload, worker: session)
            case .taskFailed(let key, let message):
                metrics.tasksFailed.increment()
                failJob(key.job, message)
            case .retrying(let key, let reason):
                metrics.tasksRetried.increment()
                jobs[key.job]?.record.retries += 1
                logger.info("retrying task", metadata: ["job": "\(key.job)", "task": "\(key.task)", "why": "\(reason)"])
            case .duplicate(let workerId, let host, let pid):
                if let line = refusals.record(peer: "\(host) pid \(pid)", reason: "worker id '\(workerId)' is taken by a live worker",
                                              now: MonotonicClock.milliseconds()) {
                    logRefusal(line)
                }
            case .stale(let key, let attempt, let workerId):
                logger.info("ignored a reply from an abandoned attempt", metadata: ["job": "\(key.job)", "task": "\(key.task)",
                                                                                    "attempt": "\(attempt)", "worker": "\(workerId)"])
            }
        }
    }
}
