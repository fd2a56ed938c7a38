import CineMeshData

/// A worker's side of the worker channel (docs/PROTOCOL.md sections 4.1, 5 and 7.1), free of
/// sockets, threads and clocks: every method takes the time and returns the actions for the
/// `Worker` to carry out. Tested alone (WorkerSessionTests) with made-up times.
///
/// Rules: the worker connects and sends READY (`registering`); WELCOME makes it `registered`,
/// under the coordinator's heartbeat and liveness, and resets the reconnection backoff. Silence
/// for heartbeat x liveness (or no WELCOME that long after READY), or a DISCONNECT from the
/// coordinator, ends the session: the connection closes, what the session held is dropped, and
/// the worker connects again after the backoff (`waiting`), which doubles up to its maximum.
/// A registered worker sends HEARTBEAT when it has sent nothing for an interval. It takes at most
/// `slots` tasks at once, answering more FAILED (retryable, not ready) and a kind it has no
/// runner for FAILED (not retryable); a task's reply is passed on only if the task was taken in
/// the current session (the coordinator gave an earlier session's attempts to someone else).
/// JOB-ENDED drops the job's tasks not started, each answered FAILED. A stop with tasks under way
/// is `draining`: the tasks not started are withdrawn unanswered, the running ones finish and
/// their replies go out, then DISCONNECT (which gives the coordinator back the rest) and exit;
/// at `drainLimit` it leaves without them. An ERROR refusing the worker for good
/// (`wrong-endpoint`, `version-mismatch`) stops it without a goodbye.
public struct WorkerSession: Sendable {
    public enum Phase: Sendable, Equatable {
        /// Not connected yet (`start` connects).
        case connecting
        /// READY sent; waiting for WELCOME.
        case registering
        /// WELCOME received: taking tasks.
        case registered
        /// The connection was dropped; connect again at `until`.
        case waiting(until: UInt64)
        /// Stopping: the running tasks finish, until `until` at the latest.
        case draining(until: UInt64)
        /// Done: the worker's loop ends.
        case stopped
    }

    public enum Action: Sendable {
        /// Open a new connection and send READY on it (then `sent`); tasks taken on it carry `session`.
        case connect(session: UInt64)
        /// Send `message` to the coordinator (then `sent`).
        case send(Message)
        /// The coordinator accepted the worker: its id and its transfer settings.
        case registered(WelcomeBody)
        /// Close the connection and drop what the session held: transfers, tasks not started
        /// (unanswered: the coordinator has requeued them), what the runners keep for any job.
        /// `tick` connects again after `afterMilliseconds`. `silent`: the coordinator fell silent.
        case reconnect(why: String, afterMilliseconds: UInt64, silent: Bool)
        /// Take a task: fetch the files it lacks and queue it for its runner, tagged with
        /// `session` (its reply comes back through `finished`). If it cannot be, call `notTaken`.
        case take(TaskBody, payload: [Frame], session: UInt64)
        /// A CHUNK of a file being fetched.
        case chunk(ChunkBody, payload: [Frame])
        /// Take the tasks not started of `job` (every job: nil) off the runner queues, answer each
        /// FAILED with `reason`, then call `released` with their number.
        case dropTasks(job: Int64?, reason: String, retryable: Bool)
        /// Drop what the runners keep for `job`.
        case forgetJob(Int64)
        /// Draining: take every task not started off the runner queues, unanswered, and end the
        /// transfers; then call `released` with their number.
        case withdraw
        /// Pass a finished task's reply on to the coordinator (then `sent`).
        case forwardReply
        /// Drop a finished task's reply: it belongs to an earlier session.
        case dropReply
        /// The coordinator refused this worker for good: retrying cannot help.
        case refused(Refusal)
        /// The coordinator refused a message, not the worker.
        case coordinatorError(ErrorBody)
        /// A message from the coordinator that cannot be handled.
        case protocolError(String)
        /// Stop: close the connection (letting a goodbye just sent leave first) and end the loop.
        case exit(String)
    }

    /// Tasks taken at once (READY `slots`).
    public let slots: Int
    /// Task kinds this worker has runners for.
    public let kinds: Set<String>
    /// The longest a stop waits for the running tasks.
    public let drainLimit: UInt64
    public internal(set) var phase: Phase = .connecting
    /// The current connection's number: the tag of the tasks taken on it.
    public private(set) var session: UInt64 = 0
    /// Tasks of this session taken and not yet answered (running or not).
    public internal(set) var tasksInFlight = 0
    var liveness: LinkLiveness

    /// `heartbeat` and `deadAfter` hold until a WELCOME gives the coordinator's; the backoff
    /// starts at `initialBackoff` and doubles up to `maximumBackoff`.
    public init(slots: Int, kinds: Set<String>, heartbeat: UInt64, deadAfter: UInt64, initialBackoff: UInt64, maximumBackoff: UInt64,
                drainLimit: UInt64) {
        self.slots = slots
        self.kinds = kinds
        self.drainLimit = drainLimit
        liveness = LinkLiveness(heartbeat: heartbeat, deadAfter: deadAfter, initialBackoff: initialBackoff, maximumBackoff: maximumBackoff)
    }

    /// The worker's goodbye (a body of one string: its encoding cannot fail).
    static let goodbye = try! Message(.disconnect, DisconnectBody(reason: "worker shutting down"))

    /// Connects for the first time.
    public mutating func start(now: UInt64) -> [Action] {
        guard phase == .connecting else { return [] }
        return connect(now: now)
    }

    private mutating func connect(now: UInt64) -> [Action] {
        session &+= 1
        tasksInFlight = 0
        phase = .registering
        liveness.opened(now: now)
        return [.connect(session: session)]
    }

    /// Something was sent to the coordinator: a heartbeat is then not due for an interval.
    public mutating func sent(now: UInt64) {
        liveness.sent(now: now)
    }

    /// How long the loop may wait for sockets and still act on time.
    public func pollMilliseconds(now: UInt64) -> Int {
        if case .waiting(let until) = phase { return Int(max(1, min(UInt64(liveness.pollMilliseconds), until - min(until, now)))) }
        return liveness.pollMilliseconds
    }

    /// The coordinator's silence, heartbeats due, the end of a backoff or of a drain: call at
    /// least once per poll interval.
    public mutating func tick(now: UInt64) -> [Action] {
        switch phase {
        case .connecting, .stopped:
            return []
        case .waiting(let until):
            return now >= until ? connect(now: now) : []
        case .registering:
            if let silence = liveness.silence(now: now) { return reconnect("no WELCOME within \(silence) ms", silent: true, now: now) }
            return []
        case .registered:
            if let silence = liveness.silence(now: now) { return reconnect("coordinator silent for \(silence) ms", silent: true, now: now) }
            return heartbeat(now: now)
        case .draining(let until):
            if let silence = liveness.silence(now: now) { return leave("the coordinator fell silent for \(silence) ms while \(tasksInFlight) tasks finished") }
            if now >= until { return leave("\(tasksInFlight) tasks still running after \(drainLimit) ms; leaving without them") }
            return heartbeat(now: now)
        }
    }

    private mutating func heartbeat(now: UInt64) -> [Action] {
        guard liveness.heartbeatDue(now: now) else { return [] }
        liveness.sent(now: now)
        return [.send(Message(.heartbeat))]
    }

    /// Ends the session and waits the backoff before connecting again.
    mutating func reconnect(_ why: String, silent: Bool, now: UInt64) -> [Action] {
        let wait = liveness.dropped()
        tasksInFlight = 0
        phase = .waiting(until: now + wait)
        return [.reconnect(why: why, afterMilliseconds: wait, silent: silent)]
    }

    /// Stop asked (SIGTERM, SIGINT): leave at once when nothing runs, else drain.
    public mutating func stop(now: UInt64) -> [Action] {
        switch phase {
        case .connecting, .waiting:
            phase = .stopped
            return [.exit("stopped")]
        case .registering:
            return leave("stopped")
        case .registered:
            guard tasksInFlight > 0 else { return leave("stopped") }
            phase = .draining(until: now + drainLimit)
            return [.withdraw]
        case .draining, .stopped:
            return []
        }
    }

    /// Says goodbye and stops.
    mutating func leave(_ why: String) -> [Action] {
        phase = .stopped
        return [.send(Self.goodbye), .exit(why)]
    }
}
