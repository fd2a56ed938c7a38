import CZeroMQ
import CineMeshData
import Foundation
import Logging

/// A worker: one loop thread owns the DEALER socket to the coordinator; tasks run on a separate
/// task thread so heartbeats go on during long tasks, one at a time, lowest priority first, in the
/// order received on a tie (tasks a worker holds at once never depend on each other). Kinds
/// the runners call background (scoring a held-out set) run instead on a thread of their own at
/// the lowest priority, beside the task thread: they take the time it spends waiting for its next
/// task's rows, not the time of the tasks other workers wait on. Task results come back to the
/// loop over an inproc socket, tagged with the session they belong to: a result from before a
/// reconnect is dropped (the coordinator has given that attempt to someone else).
public final class Worker: @unchecked Sendable {
    public let config: ClusterConfig
    public let workerId: String
    let logger: Logger
    let metrics = ClusterMetrics()
    let cache: ShardCache
    let runners: TaskRunners

    private let context: ZMQContext
    private let resultsEndpoint: String
    private let results: ZMQSocket
    private let taskQueue = DispatchQueue(label: "cinemesh.worker.task", qos: .userInitiated)
    private let stopLock = Lock()
    private var stopRequested = false

    // Loop-thread state.
    private let link: CoordinatorLink
    private var session: UInt64 = 0
    private var registered = false
    private var chunkBytes: Int
    private var window: Int
    /// Tasks received and not started, in the order received (at most `slots` with the running one).
    private var queued: [(body: TaskBody, payload: [Frame])] = []
    /// Tasks this worker takes at once (READY `slots`): the next task's input arrives while the
    /// current one runs, and a background task may run beside them.
    static let slots = 3
    private var fetches: [String: FileFetch] = [:]
    private var running = false
    private var backgroundRunning = 0

    /// Opens the cache and reads (or creates) the worker's id. Call `run()` on a dedicated thread.
    public init(config: ClusterConfig, runners: TaskRunners = .standard, logger: Logger) throws {
        self.config = config
        self.runners = runners
        cache = try ShardCache(directory: config.workerCacheDirectory)
        workerId = try cache.workerId(configured: config.workerId)
        var l = logger
        l[metadataKey: "worker"] = "\(workerId)"
        self.logger = l
        chunkBytes = config.transferChunkBytes
        window = config.transferWindow
        context = try ZMQContext()
        link = CoordinatorLink(endpoint: config.workerCoordinator, context: context, config: config)
        resultsEndpoint = "inproc://results-\(UInt64.random(in: 0 ... .max))"
        results = try ZMQSocket(context, .pull)
        try results.bind(resultsEndpoint)
    }

    public func requestStop() {
        stopLock.withLock { stopRequested = true }
    }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    /// The loop: connect, register, serve tasks; reconnect with backoff whenever the coordinator
    /// falls silent or says it does not know us. Returns after `requestStop()`.
    public func run() {
        logger.info("worker starting", metadata: ["coordinator": "\(config.workerCoordinator)", "cache": "\(cache.directory)",
                                                  "cached_files": "\(cache.contents.count)"])
        connect()
        while !shouldStop {
            do {
                guard let socket = link.socket else { break }
                let ready = try ZMQPoll.readable([socket, results], timeoutMilliseconds: link.pollMilliseconds)
                if ready[0] {
                    for _ in 0 ..< 1000 {
                        guard let frames = try socket.receive(dontWait: true) else { break }
                        handle(frames)
                        if link.socket !== socket || shouldStop { break }
                    }
                }
                if ready[1] { try forwardResults() }
                try tick()
            } catch {
                logger.error("worker loop: \(error)")
            }
        }
        try? link.send(Message(.disconnect, DisconnectBody(reason: "worker shutting down")))
        link.close()
        logger.info("worker stopped")
    }

    // MARK: Connection

    private func connect() {
        session &+= 1
        registered = false
        fetches.removeAll()
        queued.removeAll()
        do {
            let ready = ReadyBody(workerId: workerId, host: ProcessInfo.processInfo.hostName, pid: getpid(),
                                  capacity: WorkerCapacity(cores: ProcessInfo.processInfo.activeProcessorCount,
                                                           memoryBytes: ProcessInfo.processInfo.physicalMemory,
                                                           diskFreeBytes: cache.freeBytes),
                                  cached: cache.contents, slots: Self.slots)
            try link.open(saying: Message(.ready, ready))
        } catch {
            logger.error("cannot connect to \(config.workerCoordinator): \(error)")
        }
    }

    /// Drops the connection and connects again after the current backoff (1 s, doubling to 32 s
    /// by default); the wait ends early on stop.
    private func reconnect(_ why: String) {
        logger.warning("reconnecting", metadata: ["why": "\(why)", "after_ms": "\(link.backoff)"])
        link.drop(waitingUnless: { shouldStop })
        if !shouldStop { connect() }
    }

    private func send(_ message: Message) throws {
        try link.send(message)
    }

    private func tick() throws {
        let now = MonotonicClock.milliseconds()
        if let silence = link.silence(now: now) {
            metrics.heartbeatsMissed.increment(by: Int64(config.heartbeatLiveness))
            reconnect(registered ? "coordinator silent for \(silence) ms" : "no WELCOME within \(silence) ms")
            return
        }
        if registered && link.heartbeatDue(now: now) {
            try send(Message(.heartbeat))
        }
    }

    // MARK: Messages from the coordinator

    private func handle(_ frames: [Frame]) {
        let message: Message
        do {
            message = try Message(frames: frames)
        } catch {
            metrics.protocolErrors.increment()
            logger.warning("refused a message from the coordinator: \(error)")
            return
        }
        link.heard()
        do {
            switch message.command {
            case .welcome:
                let welcome = try message.decode(WelcomeBody.self)
                registered = true
                link.accepted(heartbeatMilliseconds: welcome.heartbeatMilliseconds, liveness: welcome.liveness)
                chunkBytes = welcome.chunkBytes
                window = welcome.window
                logger.info("registered", metadata: ["coordinator": "\(welcome.coordinatorId)", "heartbeat_ms": "\(link.heartbeat)"])
            case .heartbeat:
                break
            case .task:
                try start(try message.decode(TaskBody.self), payload: message.payload)
            case .chunk:
                try receive(try message.decode(ChunkBody.self), payload: message.payload)
            case .disconnect:
                let why = (try? message.decode(DisconnectBody.self).reason) ?? "no reason"
                reconnect("coordinator said DISCONNECT: \(why)")
            case .error:
                let body = try message.decode(ErrorBody.self)
                logger.error("coordinator refused a message", metadata: ["code": "\(body.code)", "message": "\(body.message)"])
                if body.code == ProtocolError.versionMismatch(theirs: 0).code {
                    logger.critical("protocol versions differ; this worker cannot serve this coordinator")
                    requestStop()
                }
            default:
                throw ProtocolError.malformed(message.command, "not sent to workers")
            }
        } catch {
            metrics.protocolErrors.increment()
            logger.warning("cannot handle \(message.command): \(error)")
        }
    }

    private func start(_ task: TaskBody, payload: [Frame]) throws {
        guard queued.count + (running ? 1 : 0) + backgroundRunning < Self.slots else {
            try send(Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt,
                                                 message: "worker busy with \(Self.slots) tasks", retryable: true)))
            return
        }
        queued.append((task, payload))
        for ref in task.files where !cache.contains(ref) && fetches[ref.xxh64] == nil {
            let fetch = try FileFetch(ref, partialPath: cache.partialPath(ref), chunkBytes: chunkBytes, window: window)
            fetches[ref.xxh64] = fetch
            logger.debug("fetching", metadata: ["file": "\(ref.name)", "bytes": "\(ref.bytes)"])
            for request in fetch.requests() { try send(Message(.fetch, request)) }
        }
        try execute()
    }

    private func receive(_ chunk: ChunkBody, payload: [Frame]) throws {
        guard let fetch = fetches[chunk.xxh64] else { return }
        do {
            if let error = chunk.error { throw TaskError("coordinator cannot serve \(fetch.ref.name): \(error)", retryable: false) }
            guard payload.count == 1 else { throw TaskError("CHUNK without its data frame", retryable: true) }
            metrics.bytesShipped.increment(by: Int64(payload[0].count))
            if try fetch.accept(offset: chunk.offset, bytes: payload[0]) {
                try cache.admit(fetch)
                fetches[chunk.xxh64] = nil
                logger.debug("file cached", metadata: ["file": "\(fetch.ref.name)"])
                try execute()
            } else {
                for request in fetch.requests() { try send(Message(.fetch, request)) }
            }
        } catch {
            // Every task waiting to start may need a transfer that is now abandoned: all fail.
            fetches.removeAll()
            let retryable = (error as? TaskError)?.retryable ?? true
            for (task, _) in queued {
                try send(Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt,
                                                     message: "transfer of \(fetch.ref.name): \(error)", retryable: retryable)))
            }
            queued.removeAll()
        }
    }

    // MARK: Running tasks

    /// Starts the queued task of lowest priority (the first received on a tie) once nothing runs
    /// and its files are in the cache; a background task once no other background task runs (they
    /// run one at a time too, beside the others: a later one may need what an earlier one left).
    private func execute() throws {
        func startable(_ task: TaskBody) -> Bool {
            task.files.allSatisfy { fetches[$0.xxh64] == nil } && (runners.background.contains(task.kind) ? backgroundRunning == 0 : !running)
        }
        while let at = queued.indices.filter({ startable(queued[$0].body) }).min(by: { (queued[$0].body.priority ?? 0, $0) < (queued[$1].body.priority ?? 0, $1) }) {
            let (task, payload) = queued.remove(at: at)
            guard let runner = runners.runners[task.kind] else {
                try send(Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt,
                                                     message: "this worker has no runner for task kind '\(task.kind)'", retryable: false)))
                continue
            }
            let background = runners.background.contains(task.kind)
            if background { backgroundRunning += 1 } else { running = true }
            run(task, payload: payload, runner: runner, background: background)
        }
    }

    /// Runs a task on the task thread (or a background thread) and hands its reply to the loop.
    private func run(_ task: TaskBody, payload: [Frame], runner: @escaping TaskRunners.Runner, background: Bool) {
        let input = TaskInput(job: task.job, parameters: task.parameters, files: task.files.map(cache.path), payload: payload)
        let tag = withUnsafeBytes(of: session.littleEndian) { Array($0) } + [background ? 1 : 0]
        let endpoint = resultsEndpoint, context = self.context
        let logger = self.logger
        let files = task.files
        let cache = self.cache
        let work: @Sendable () -> Void = {
            let started = MonotonicClock.milliseconds()
            let reply: Message
            do {
                let out = try runner(input)
                let seconds = Double(MonotonicClock.milliseconds() - started) / 1000
                reply = Message(.result, ResultBody(job: task.job, task: task.task, attempt: task.attempt, output: out.output, seconds: seconds),
                                payload: out.payload)
            } catch {
                if let e = error as? DataError, e.kind == .damaged { files.forEach(cache.evict) }
                logger.warning("task failed", metadata: ["job": "\(task.job)", "task": "\(task.task)", "error": "\(error)"])
                reply = Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt, message: "\(error)",
                                                    retryable: (error as? TaskError)?.retryable ?? false))
            }
            do {
                let push = try ZMQSocket(context, .push)
                try push.connect(endpoint)
                try push.send([tag] + reply.frames)
                push.close()
            } catch {
                logger.error("cannot hand a task result to the loop: \(error)")
            }
        }
        if background {
            Thread {
                #if canImport(Glibc)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)   // this thread's nice value
                #endif
                work()
            }.start()
        } else {
            taskQueue.async(execute: work)
        }
    }

    /// Sends finished tasks' replies on to the coordinator, moving their frames without a copy.
    private func forwardResults() throws {
        while try link.forward(from: results, inspect: 2, drop: 1, decide: { frames in
            guard frames.count == 2, frames[0].count == 9 else { return false }
            if frames[0][8] == 1 { backgroundRunning -= 1 } else { running = false }
            let tag = frames[0].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard tag == session else {
                logger.info("dropped the result of a task from before a reconnect")
                return false
            }
            (try? WireHeader(parsing: frames[1]))?.command == .result ? metrics.tasksRun.increment() : metrics.tasksFailed.increment()
            return true
        }) != nil {}
        try execute()
    }
}
