import CZeroMQ
import CineMeshData
import Foundation
import Logging

/// A worker: one loop thread owns the DEALER socket to the coordinator; tasks run on a separate
/// task thread so heartbeats go on during long tasks, one at a time, lowest priority first, in the
/// order received on a tie (a task may need what one of lower priority leaves: svd blocks sent
/// ahead of the blocks before them on the same rows). The task thread takes its next task from
/// a `TaskLane` the moment it is done with one, so no wake-up of the loop thread stands between
/// two tasks. Kinds the runners call background (scoring a held-out set) run instead on a thread
/// of their own at the lowest priority, beside the task thread: they take the time it spends
/// waiting for its next task's rows, not the time of the tasks other workers wait on. Task results
/// come back to the loop over an inproc socket, tagged with the session they belong to: a result
/// from before a reconnect is dropped (the coordinator has given that attempt to someone else).
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
    /// Tasks for the task thread, and for the background thread.
    private let lane = TaskLane()
    private let backgroundLane = TaskLane()
    private let stopLock = Lock()
    private var stopRequested = false
    private var refusedBy: Refusal?

    // Loop-thread state.
    private let link: CoordinatorLink
    private var session: UInt64 = 0
    private var registered = false
    private var chunkBytes: Int
    private var window: Int
    /// Tasks this worker takes at once (READY `slots`): the next task's input arrives while the
    /// current one runs, and a background task may run beside them.
    static let slots = 3
    private var fetches: [String: FileFetch] = [:]
    /// Tasks of this session handed to the lanes whose replies have not come back to the loop
    /// (running or not). A task of an earlier session still running does not count: the
    /// coordinator gave the new session every slot.
    private var taken = 0

    /// Opens the cache and reads (or creates) the worker's id. Call `run()` on a dedicated thread.
    public init(config: ClusterConfig, runners: TaskRunners, logger: Logger) throws {
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
        link = CoordinatorLink(endpoint: config.workerCoordinator, context: context, config: config,
                               security: try ClusterSecurity.client(config, role: .worker, endpoint: config.workerCoordinator))
        resultsEndpoint = "inproc://results-\(UInt64.random(in: 0 ... .max))"
        results = try ZMQSocket(context, .pull)
        try results.bind(resultsEndpoint)
        startRunner(lane, background: false)
        startRunner(backgroundLane, background: true)
    }

    public func requestStop() {
        stopLock.withLock { stopRequested = true }
    }

    /// Why the worker stopped by itself, if it did: the coordinator's ERROR refusing it for good
    /// (`wrong-endpoint`: the configured endpoint is not a workers endpoint; `version-mismatch`).
    /// Retrying cannot help, so the worker does not reconnect. Nil after `requestStop()`.
    public var refusal: Refusal? { stopLock.withLock { refusedBy } }

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
        // A coordinator that refused this worker for good would refuse the goodbye too.
        if refusal == nil {
            do { try link.send(try Message(.disconnect, DisconnectBody(reason: "worker shutting down"))) } catch {
                logger.warning("cannot tell the coordinator that this worker stops: \(error)")
            }
        }
        link.close(flushing: 500)
        lane.close()
        backgroundLane.close()
        logger.info("worker stopped")
    }

    // MARK: Connection

    private func connect() {
        session &+= 1
        registered = false
        endSession()
        do {
            let ready = ReadyBody(workerId: workerId, host: ProcessInfo.processInfo.hostName, pid: getpid(),
                                  capacity: WorkerCapacity(cores: ProcessInfo.processInfo.activeProcessorCount,
                                                           memoryBytes: ProcessInfo.processInfo.physicalMemory,
                                                           diskFreeBytes: cache.freeBytes),
                                  cached: cache.contents, slots: Self.slots)
            try link.open(saying: try Message(.ready, ready))
        } catch {
            logger.error("cannot connect to \(config.workerCoordinator): \(error)")
        }
    }

    /// Drops the connection and connects again after the current backoff (1 s, doubling to 32 s
    /// by default); the wait ends early on stop.
    private func reconnect(_ why: String) {
        logger.warning("reconnecting", metadata: ["why": "\(why)", "after_ms": "\(link.backoff)"])
        endSession()   // nothing of this session starts during the backoff
        link.drop(waitingUnless: { shouldStop })
        if !shouldStop { connect() }
    }

    /// Drops the session's tasks not started, its transfers and what the runners keep: the
    /// coordinator counts on nothing an ended session held.
    private func endSession() {
        fetches.removeAll()
        _ = lane.remove()
        _ = backgroundLane.remove()
        taken = 0
        runners.forget(nil)
    }

    private func send(_ message: Message) throws {
        try link.send(message)
    }

    private func tick() throws {
        let now = MonotonicClock.milliseconds()
        if let silence = link.silence(now: now) {
            metrics.heartbeatsMissed.increment(by: Int64(config.heartbeatLiveness))
            reconnect(link.whySilent(registered ? "coordinator silent for \(silence) ms" : "no WELCOME within \(silence) ms"))
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
                let task = try message.decode(TaskBody.self)
                do {
                    try start(task, payload: message.payload)
                } catch {
                    try send(Self.failed(task, "cannot take the task: \(error)", retryable: true))
                }
            case .chunk:
                try receive(try message.decode(ChunkBody.self), payload: message.payload)
            case .jobEnded:
                try jobEnded(try message.decode(JobEndedBody.self).job)
            case .disconnect:
                let why = (try? message.decode(DisconnectBody.self).reason) ?? "no reason"
                reconnect("coordinator said DISCONNECT: \(why)")
            case .error:
                let body = try message.decode(ErrorBody.self)
                logger.error("coordinator refused a message", metadata: ["code": "\(body.code)", "message": "\(body.message)"])
                if let refusal = Refusal(body, coordinatorProtocol: message.version) {
                    logger.critical("stopping: \(refusal.explanation(peer: "worker", coordinator: config.workerCoordinator))")
                    stopLock.withLock {
                        refusedBy = refusal
                        stopRequested = true
                    }
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
        guard taken < Self.slots else {
            try send(Self.failed(task, "worker busy with \(Self.slots) tasks", retryable: true, notReady: true))
            return
        }
        guard runners.runners[task.kind] != nil else {
            try send(Self.failed(task, "this worker has no runner for task kind '\(task.kind)'", retryable: false))
            return
        }
        for ref in task.files where !cache.contains(ref) && fetches[ref.xxh64] == nil {
            let fetch = try FileFetch(ref, partialPath: cache.partialPath(ref), chunkBytes: chunkBytes, window: window)
            fetches[ref.xxh64] = fetch
            logger.debug("fetching", metadata: ["file": "\(ref.name)", "bytes": "\(ref.bytes)"])
            for request in fetch.requests() { try send(try Message(.fetch, request)) }
        }
        let input = TaskInput(job: task.job, parameters: task.parameters, files: task.files.map(cache.path), payload: payload)
        let tag = withUnsafeBytes(of: session.littleEndian) { Array($0) }
        taken += 1
        (runners.background.contains(task.kind) ? backgroundLane : lane)
            .add(task, input: input, tag: tag, ready: task.files.allSatisfy { fetches[$0.xxh64] == nil })
    }

    /// Drops a job that ended: its tasks not started (each answered FAILED, so the coordinator
    /// frees their slots) and what the runners keep for it.
    private func jobEnded(_ job: Int64) throws {
        try dropTasks(where: { $0.job == job }, because: "job \(job) ended", retryable: false)
        runners.forget(job)
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
                let fetches = self.fetches
                for l in [lane, backgroundLane] { l.markReady { $0.files.allSatisfy { fetches[$0.xxh64] == nil } } }
            } else {
                for request in fetch.requests() { try send(try Message(.fetch, request)) }
            }
        } catch {
            // Every task waiting to start may need a transfer that is now abandoned: all fail.
            fetches.removeAll()
            let retryable = (error as? TaskError)?.retryable ?? true
            try dropTasks(because: "transfer of \(fetch.ref.name): \(error)", retryable: retryable)
        }
    }

    /// Takes the tasks not started that `drop` selects (all by default) off both lanes, each
    /// answered FAILED so the coordinator frees its slot.
    private func dropTasks(where drop: (TaskBody) -> Bool = { _ in true }, because why: String, retryable: Bool) throws {
        let dropped = lane.remove(where: drop) + backgroundLane.remove(where: drop)
        taken -= dropped.count
        for task in dropped { try send(Self.failed(task, why, retryable: retryable)) }
    }

    /// FAILED for `task`'s attempt.
    private static func failed(_ task: TaskBody, _ why: String, retryable: Bool, notReady: Bool = false) -> Message {
        Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt, message: why, retryable: retryable, notReady: notReady))
    }

    // MARK: Running tasks

    /// Starts the thread that runs `lane`'s tasks one after the other, each reply pushed to the
    /// loop over the inproc socket; a background lane's thread runs at nice 19.
    private func startRunner(_ lane: TaskLane, background: Bool) {
        let endpoint = resultsEndpoint, context = self.context, logger = self.logger, cache = self.cache, runners = self.runners
        let thread = Thread { [weak self] in
            #if canImport(Glibc)
            if background { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }   // this thread's nice value
            #endif
            let push: ZMQSocket
            do {
                push = try ZMQSocket(context, .push)
                try push.connect(endpoint)
            } catch {
                logger.critical("cannot connect a task thread to the loop, stopping: \(error)")
                self?.requestStop()
                return
            }
            defer { push.close() }
            while var entry = lane.next() {
                let reply = Self.perform(entry.body, &entry.input, runner: runners.runners[entry.body.kind]!, cache: cache, logger: logger)
                do {
                    try push.send([entry.tag] + reply.frames)
                } catch {
                    logger.error("cannot hand a task result to the loop: \(error)")
                }
            }
        }
        thread.name = background ? "cinemesh-background" : "cinemesh-task"
        thread.start()
    }

    /// Runs one task: its RESULT, or FAILED with the runner's error.
    private static func perform(_ task: TaskBody, _ input: inout TaskInput, runner: TaskRunners.Runner, cache: ShardCache, logger: Logger) -> Message {
        let started = MonotonicClock.milliseconds()
        do {
            let out = try runner(&input)
            let seconds = Double(MonotonicClock.milliseconds() - started) / 1000
            return Message(.result, ResultBody(job: task.job, task: task.task, attempt: task.attempt, output: out.output, seconds: seconds),
                           payload: out.payload)
        } catch {
            if let e = error as? DataError, e.kind == .damaged { task.files.forEach(cache.evict) }
            logger.warning("task failed", metadata: ["job": "\(task.job)", "task": "\(task.task)", "error": "\(error)"])
            let failure = error as? TaskError
            return failed(task, "\(error)", retryable: failure?.retryable ?? false, notReady: failure?.notReady ?? false)
        }
    }

    /// Sends finished tasks' replies on to the coordinator, moving their frames without a copy.
    private func forwardResults() throws {
        while try link.forward(from: results, inspect: 2, drop: 1, decide: { frames in
            guard frames.count == 2, frames[0].count == 8 else { return false }
            let tag = frames[0].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard tag == session else {
                logger.info("dropped the result of a task from before a reconnect")
                return false
            }
            taken -= 1
            (try? WireHeader(parsing: frames[1]))?.command == .result ? metrics.tasksRun.increment() : metrics.tasksFailed.increment()
            return true
        }) != nil {}
    }
}
