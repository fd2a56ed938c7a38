import CZeroMQ
import CineMeshData
import Foundation
import Logging

/// A worker: one loop thread owns the DEALER socket to the coordinator and carries out what its
/// `WorkerSession` decides (connecting, registering, heartbeats, reconnecting after a backoff,
/// which replies go out, draining on stop); this class only does the I/O. Tasks run on a separate
/// task thread so heartbeats go on during long tasks, one at a time, lowest priority first, in the
/// order received on a tie (a task may need what one of lower priority leaves: svd blocks sent
/// ahead of the blocks before them on the same rows). The task thread takes its next task from
/// a `TaskLane` the moment it is done with one, so no wake-up of the loop thread stands between
/// two tasks. Kinds the runners call background (scoring a held-out set) run instead on a thread
/// of their own at the lowest priority, beside the task thread: they take the time it spends
/// waiting for its next task's rows, not the time of the tasks other workers wait on. Task results
/// come back to the loop over an inproc socket, tagged with the session they belong to: a result
/// from before a reconnect is dropped (the coordinator has given that attempt to someone else).
/// The files tasks need are fetched by the loop (`FileFetch`) into the `ShardCache`.
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
    private var session: WorkerSession
    private var stopping = false
    private var exited = false
    private var chunkBytes: Int
    private var window: Int
    /// Tasks this worker takes at once (READY `slots`): the next task's input arrives while the
    /// current one runs, and a background task may run beside them.
    static let slots = 3
    /// The longest a stop waits for the tasks under way (well inside systemd's TimeoutStopSec).
    static let drainMilliseconds: UInt64 = 5000
    private var fetches: [String: FileFetch] = [:]

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
        session = WorkerSession(slots: Self.slots, kinds: Set(runners.runners.keys), heartbeat: UInt64(config.heartbeatIntervalMilliseconds),
                                deadAfter: UInt64(config.deadAfterMilliseconds), initialBackoff: UInt64(config.reconnectInitialMilliseconds),
                                maximumBackoff: UInt64(config.reconnectMaximumMilliseconds), drainLimit: Self.drainMilliseconds)
        context = try ZMQContext()
        link = CoordinatorLink(endpoint: config.workerCoordinator, context: context,
                               security: try ClusterSecurity.client(config, role: .worker, endpoint: config.workerCoordinator))
        resultsEndpoint = "inproc://results-\(UInt64.random(in: 0 ... .max))"
        results = try ZMQSocket(context, .pull)
        try results.bind(resultsEndpoint)
        startRunner(lane, background: false)
        startRunner(backgroundLane, background: true)
    }

    /// Asks the worker to stop; safe from any thread. Tasks under way finish first (at most
    /// `drainMilliseconds`), then `run()` returns.
    public func requestStop() {
        stopLock.withLock { stopRequested = true }
    }

    /// Why the worker stopped by itself, if it did: the coordinator's ERROR refusing it for good
    /// (`wrong-endpoint`: the configured endpoint is not a workers endpoint; `version-mismatch`).
    /// Retrying cannot help, so the worker does not reconnect. Nil after `requestStop()`.
    public var refusal: Refusal? { stopLock.withLock { refusedBy } }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    private var now: UInt64 { MonotonicClock.milliseconds() }

    /// The loop: connect, register, serve tasks; reconnect with backoff whenever the coordinator
    /// falls silent or says it does not know us. Returns after `requestStop()` once the tasks
    /// under way finished, or once the coordinator refused this worker for good.
    public func run() {
        logger.info("worker starting", metadata: ["coordinator": "\(config.workerCoordinator)", "cache": "\(cache.directory)",
                                                  "cached_files": "\(cache.contents.count)"])
        perform(session.start(now: now))
        while !exited {
            do {
                if !stopping && shouldStop {
                    stopping = true
                    perform(session.stop(now: now))
                    continue
                }
                let socket = link.socket
                let ready = try ZMQPoll.readable([results] + (socket.map { [$0] } ?? []), timeoutMilliseconds: session.pollMilliseconds(now: now))
                if let socket, ready[1] {
                    for _ in 0 ..< 1000 {
                        guard let frames = try socket.receive(dontWait: true) else { break }
                        handle(frames)
                        if link.socket !== socket || exited { break }
                    }
                }
                if ready[0] && !exited { try forwardReplies() }
                if !exited { perform(session.tick(now: now)) }
            } catch {
                logger.error("worker loop: \(error)")
            }
        }
        link.close(flushing: 500)
        lane.close()
        backgroundLane.close()
        logger.info("worker stopped")
    }

    private func handle(_ frames: [Frame]) {
        do {
            perform(session.received(try Message(frames: frames), now: now))
        } catch {
            metrics.protocolErrors.increment()
            logger.warning("refused a message from the coordinator: \(error)")
        }
    }

    // MARK: Carrying out the session's actions

    private func perform(_ actions: [WorkerSession.Action]) {
        for action in actions {
            do {
                switch action {
                case .connect:
                    try connect()
                case .send(let message):
                    try send(message)
                case .registered(let welcome):
                    chunkBytes = welcome.chunkBytes
                    window = welcome.window
                    logger.info("registered", metadata: ["coordinator": "\(welcome.coordinatorId)", "heartbeat_ms": "\(welcome.heartbeatMilliseconds)"])
                case .reconnect(let why, let wait, let silent):
                    if silent { metrics.heartbeatsMissed.increment(by: Int64(config.heartbeatLiveness)) }
                    logger.warning("reconnecting", metadata: ["why": "\(silent ? link.whySilent(why) : why)", "after_ms": "\(wait)"])
                    link.close()
                    endSession()
                case .take(let task, let payload, let tag):
                    do {
                        try take(task, payload: payload, tag: tag)
                    } catch {
                        perform(session.notTaken(task, because: error, now: now))
                    }
                case .chunk(let chunk, let payload):
                    try receive(chunk, payload: payload)
                case .dropTasks(let job, let reason, let retryable):
                    try dropTasks(where: { job == nil || $0.job == job }, because: reason, retryable: retryable)
                case .forgetJob(let job):
                    runners.forget(job)
                case .withdraw:
                    fetches.removeAll()
                    let withdrawn = lane.remove().count + backgroundLane.remove().count
                    logger.info("stopping once the tasks under way finish", metadata: ["running": "\(session.tasksInFlight - withdrawn)",
                                                                                      "given_back": "\(withdrawn)"])
                    perform(session.released(withdrawn, now: now))
                case .forwardReply, .dropReply:
                    break   // carried out by `forwardReplies`
                case .refused(let refusal):
                    logger.critical("stopping: \(refusal.explanation(peer: "worker", coordinator: config.workerCoordinator))")
                    stopLock.withLock { refusedBy = refusal }
                case .coordinatorError(let body):
                    logger.error("coordinator refused a message", metadata: ["code": "\(body.code)", "message": "\(body.message)"])
                case .protocolError(let why):
                    metrics.protocolErrors.increment()
                    logger.warning("\(why)")
                case .exit(let why):
                    exited = true
                    logger.info("worker leaving: \(why)")
                }
            } catch {
                logger.warning("worker: \(error)")
            }
        }
    }

    /// Opens a connection and says READY; a connection that cannot even be opened (a malformed
    /// endpoint) ends the loop.
    private func connect() throws {
        let ready = ReadyBody(workerId: workerId, host: ProcessInfo.processInfo.hostName, pid: getpid(),
                              capacity: WorkerCapacity(cores: ProcessInfo.processInfo.activeProcessorCount,
                                                       memoryBytes: ProcessInfo.processInfo.physicalMemory,
                                                       diskFreeBytes: cache.freeBytes),
                              cached: cache.contents, slots: session.slots)
        do {
            try link.open(saying: try Message(.ready, ready))
            session.sent(now: now)
        } catch {
            logger.error("cannot connect to \(config.workerCoordinator): \(error)")
            exited = true
        }
    }

    /// Drops the session's tasks not started, its transfers and what the runners keep: the
    /// coordinator counts on nothing an ended session held.
    private func endSession() {
        fetches.removeAll()
        _ = lane.remove()
        _ = backgroundLane.remove()
        runners.forget(nil)
    }

    private func send(_ message: Message) throws {
        try link.send(message)
        session.sent(now: now)
    }

    // MARK: Tasks and their files

    /// Fetches the files `task` lacks and queues it on its lane, tagged with its session.
    private func take(_ task: TaskBody, payload: [Frame], tag: UInt64) throws {
        for ref in task.files where !cache.contains(ref) && fetches[ref.xxh64] == nil {
            let fetch = try FileFetch(ref, partialPath: cache.partialPath(ref), chunkBytes: chunkBytes, window: window)
            fetches[ref.xxh64] = fetch
            logger.debug("fetching", metadata: ["file": "\(ref.name)", "bytes": "\(ref.bytes)"])
            for request in fetch.requests() { try send(try Message(.fetch, request)) }
        }
        let input = TaskInput(job: task.job, parameters: task.parameters, files: task.files.map(cache.path), payload: payload)
        let tagBytes = withUnsafeBytes(of: tag.littleEndian) { Array($0) }
        (runners.background.contains(task.kind) ? backgroundLane : lane)
            .add(task, input: input, tag: tagBytes, ready: task.files.allSatisfy { fetches[$0.xxh64] == nil })
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
        perform(session.released(dropped.count, now: now))
        for task in dropped { try send(WorkerSession.failed(task, why, retryable: retryable)) }
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
            return WorkerSession.failed(task, "\(error)", retryable: failure?.retryable ?? false, notReady: failure?.notReady ?? false)
        }
    }

    /// Sends finished tasks' replies on to the coordinator, moving their frames without a copy,
    /// or drops them, as the session says.
    private func forwardReplies() throws {
        var then: [WorkerSession.Action] = []
        while try link.forward(from: results, inspect: 2, drop: 1, decide: { frames in
            guard frames.count == 2, frames[0].count == 8 else { return false }
            let tag = frames[0].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let actions = session.finished(session: tag, now: now)
            guard case .forwardReply? = actions.first else {
                logger.info("dropped the result of a task from before a reconnect")
                return false
            }
            (try? WireHeader(parsing: frames[1]))?.command == .result ? metrics.tasksRun.increment() : metrics.tasksFailed.increment()
            then = Array(actions.dropFirst())
            return true
        }) != nil {
            session.sent(now: now)
            perform(then)
            then = []
            if exited { return }
        }
    }
}
