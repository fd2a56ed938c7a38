/// The coordinator's bookkeeping of workers and task attempts, free of sockets and clocks: every
/// method takes the time and returns the messages to send and the events to act on. Tested alone
/// (SchedulerTests) with made-up times.
///
/// Rules (docs/PROTOCOL.md): a worker holds at most its READY `slots` tasks (1 if it names none)
/// and runs them lowest `priority` first; a task pinned to a worker session
/// (`TaskPlan.affinity`) goes to that session only, the one with the lowest `priority` first among
/// those pinned there; other tasks are handed out in the order
/// they were queued, to idle workers in the order they registered, preferring data locality; every hand-out is a new attempt
/// with a job-wide unique attempt id; a worker silent for `deadAfter` ms is dead and its task goes
/// back to the front of the queue; a reply naming an attempt that is no longer running is stale and
/// ignored; a task that used up `maxAttempts` attempts fails its job. A task a worker answers
/// FAILED `notReady` (it came before the rows a block of its job leaves there) waits, without
/// using up an attempt, until a task of its job completes, and goes to the front of the queue
/// then; when nothing of its job runs or waits in the queue, nothing can make it ready, so it is
/// retried at once as an ordinary attempt.
public struct Scheduler: Sendable {
    /// A task's identity: its job and its index within the job's current stage.
    public struct TaskKey: Hashable, Sendable, CustomStringConvertible {
        public var job: Int64
        public var task: Int
        public init(job: Int64, task: Int) { self.job = job; self.task = task }
        public var description: String { "job \(job) task \(task)" }
    }

    public struct Worker: Sendable {
        public var routing: Frame
        public var ready: ReadyBody
        /// The name its CURVE key has on the coordinator's allow-list (`b` of the ZAP user id
        /// `worker:b`); nil on plain TCP.
        public var keyName: String?
        public var registeredAt: UInt64
        public var lastHeard: UInt64
        public var lastSent: UInt64
        /// Tasks handed to the worker and not yet answered, in the order sent.
        public var running: [(key: TaskKey, attempt: Int)]
        public var tasksDone: Int
        /// Files this worker is known to hold: its READY list plus the files of tasks it finished.
        public var cached: Set<String>
        let order: Int

        /// This registration of the worker: its id and registration number. A worker that
        /// reconnects or restarts is a new session (whatever it held in memory is gone).
        public var session: String { "\(ready.workerId)#\(order)" }

        /// Tasks the worker takes at once.
        var slots: Int { min(max(ready.slots ?? 1, 1), Scheduler.maxSlots) }
    }

    public enum Action: Sendable {
        /// Send `message` to the worker with this routing id.
        case send(Frame, Message)
        /// A worker was declared dead or replaced by a new registration; `requeued` lists the
        /// tasks it held.
        case workerLost(workerId: String, session: String, reason: String, requeued: [TaskKey])
        /// A worker said DISCONNECT (a clean stop); `requeued` lists the tasks it held.
        case workerLeft(workerId: String, session: String, reason: String, requeued: [TaskKey])
        /// A task finished; hand its output to the job's driver.
        case completed(TaskKey, ResultBody, payload: [Frame], workerId: String, session: String)
        /// A task cannot succeed: fail its job.
        case taskFailed(TaskKey, message: String)
        /// A task is being tried again (counted as a retry).
        case retrying(TaskKey, reason: String)
        /// A reply for an attempt that is no longer running (ignored).
        case stale(TaskKey, attempt: Int, workerId: String)
        /// A second process registered under the id of a live worker and was refused.
        case duplicate(workerId: String, host: String, pid: Int32)
    }

    struct Pending: Sendable {
        var plan: TaskPlan
        var stage: String
        var attemptsUsed: Int
        /// The attempt running now, if any: replies for any other attempt are stale (an
        /// abandoned attempt of an earlier stage can carry the same task index).
        var attempt: Int?
    }

    public let deadAfter: UInt64
    public let heartbeatInterval: UInt64
    public let maxAttempts: Int
    public private(set) var workers: [Frame: Worker] = [:]
    private var queue: [TaskKey] = []
    /// Tasks that came before their inputs, waiting for a task of their job to complete.
    private var parked: [TaskKey] = []
    private var pending: [TaskKey: Pending] = [:]
    private var nextAttempt: [Int64: Int] = [:]
    private var registrations = 0

    public init(heartbeatInterval: UInt64, deadAfter: UInt64, maxAttempts: Int) {
        self.heartbeatInterval = heartbeatInterval
        self.deadAfter = deadAfter
        self.maxAttempts = maxAttempts
    }

    /// Tasks waiting for a worker, or for a task before them to complete.
    public var queueDepth: Int { queue.count + parked.count }
    /// Workers, in registration order.
    public var workerList: [Worker] { workers.values.sorted { $0.order < $1.order } }

    // MARK: Workers

    /// A worker sent READY; `welcome` is the WELCOME to answer it. A worker id already registered
    /// under another routing id replaces the old registration, whose task is requeued, when it is
    /// the same process reconnecting or the old one has been silent for a heartbeat interval (a
    /// restarted worker). Another process with the id of a worker that is still talking (two boxes
    /// given the same worker.id or cache) is refused with ERROR `duplicate-worker` instead: taking
    /// turns, the two would replace each other at every reconnection. It tries again after its
    /// backoff, and gets in once the other is gone. `keyName` is the allow-list's name for the
    /// worker's key, when it connected with one.
    public mutating func register(routing: Frame, ready: ReadyBody, keyName: String? = nil, welcome: Message, now: UInt64) -> [Action] {
        var actions: [Action] = []
        if let old = workers.values.first(where: { $0.ready.workerId == ready.workerId && $0.routing != routing }) {
            let sameProcess = old.ready.host == ready.host && old.ready.pid == ready.pid
            if !sameProcess && now - min(now, old.lastHeard) < heartbeatInterval {
                let refusal = ErrorBody(code: "duplicate-worker",
                                        message: "worker id '\(ready.workerId)' is registered and alive from \(old.ready.host) (pid \(old.ready.pid)): give each worker its own worker.id and cache_dir")
                return (try? Message(.error, refusal)).map { [.send(routing, $0), .duplicate(workerId: ready.workerId, host: ready.host, pid: ready.pid)] } ?? []
            }
            actions += lose(old.routing, reason: "re-registered from a new connection")
        }
        if workers[routing] != nil {
            actions += lose(routing, reason: "re-registered")
        }
        registrations += 1
        workers[routing] = Worker(routing: routing, ready: ready, keyName: keyName, registeredAt: now, lastHeard: now, lastSent: now,
                                  running: [], tasksDone: 0, cached: Set(ready.cached), order: registrations)
        actions.append(.send(routing, welcome))
        return actions + dispatch(now: now)
    }

    /// Any message from a registered worker proves it alive. False for an unknown routing id.
    public mutating func heard(from routing: Frame, now: UInt64) -> Bool {
        guard workers[routing] != nil else { return false }
        workers[routing]!.lastHeard = now
        return true
    }

    /// The worker announced it is leaving, for `reason` (its DISCONNECT's).
    public mutating func disconnected(_ routing: Frame, reason: String, now: UInt64) -> [Action] {
        lose(routing, reason: reason, left: true) + dispatch(now: now)
    }

    /// Heartbeats due and silent workers: call at least once per heartbeat interval.
    public mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        for w in workerList where now >= w.lastHeard && now - w.lastHeard > deadAfter {
            actions += lose(w.routing, reason: "silent for \(now - w.lastHeard) ms")
        }
        for w in workerList where now >= w.lastSent && now - w.lastSent >= heartbeatInterval {
            workers[w.routing]!.lastSent = now
            actions.append(.send(w.routing, Message(.heartbeat)))
        }
        return actions + dispatch(now: now)
    }

    /// Notes that something was just sent to `routing` (a heartbeat is then not due).
    public mutating func sent(to routing: Frame, now: UInt64) {
        workers[routing]?.lastSent = now
    }

    private mutating func lose(_ routing: Frame, reason: String, left: Bool = false) -> [Action] {
        guard let w = workers.removeValue(forKey: routing) else { return [] }
        // Back to the front of the queue, in the order they were sent.
        let requeued = w.running.filter { pending[$0.key]?.attempt == $0.attempt }.map(\.key)
        for key in requeued { pending[key]!.attempt = nil }
        queue.insert(contentsOf: requeued, at: 0)
        return [left ? .workerLeft(workerId: w.ready.workerId, session: w.session, reason: reason, requeued: requeued)
                     : .workerLost(workerId: w.ready.workerId, session: w.session, reason: reason, requeued: requeued)]
    }

    // MARK: Tasks

    /// Queues a stage's tasks behind anything already queued, as task indices `first`,
    /// `first + 1`, ... (tasks a dataflow stage adds later take the indices after its first ones).
    public mutating func enqueue(job: Int64, stage: StagePlan, first: Int = 0, now: UInt64) -> [Action] {
        for (i, plan) in stage.tasks.enumerated() {
            let key = TaskKey(job: job, task: first + i)
            pending[key] = Pending(plan: plan, stage: stage.name, attemptsUsed: 0)
            queue.append(key)
        }
        return dispatch(now: now)
    }

    /// Forgets every task of `job` (finished, failed or cancelled); later replies are stale.
    public mutating func removeJob(_ job: Int64) {
        queue.removeAll { $0.job == job }
        parked.removeAll { $0.job == job }
        for key in pending.keys where key.job == job { pending[key] = nil }
        // nextAttempt stays: attempt ids keep growing, so a reply from before is never current.
    }

    /// A worker reported RESULT.
    public mutating func completed(from routing: Frame, _ body: ResultBody, payload: [Frame], now: UInt64) -> [Action] {
        let key = TaskKey(job: body.job, task: body.task)
        guard let w = workers[routing] else { return [] }
        guard let slot = w.running.firstIndex(where: { $0.key == key && $0.attempt == body.attempt }) else {
            return [.stale(key, attempt: body.attempt, workerId: w.ready.workerId)]
        }
        workers[routing]!.running.remove(at: slot)
        guard pending[key]?.attempt == body.attempt else {
            return [.stale(key, attempt: body.attempt, workerId: w.ready.workerId)] + dispatch(now: now)
        }
        workers[routing]!.tasksDone += 1
        for f in pending[key]!.plan.files { workers[routing]!.cached.insert(f.xxh64) }
        pending[key] = nil
        unpark { $0.job == key.job }
        return [.completed(key, body, payload: payload, workerId: w.ready.workerId, session: w.session)] + dispatch(now: now)
    }

    /// A worker reported FAILED.
    public mutating func failed(from routing: Frame, _ body: FailedBody, now: UInt64) -> [Action] {
        let key = TaskKey(job: body.job, task: body.task)
        guard let w = workers[routing] else { return [] }
        guard let slot = w.running.firstIndex(where: { $0.key == key && $0.attempt == body.attempt }) else {
            return [.stale(key, attempt: body.attempt, workerId: w.ready.workerId)]
        }
        workers[routing]!.running.remove(at: slot)
        guard let p = pending[key], p.attempt == body.attempt else {
            return [.stale(key, attempt: body.attempt, workerId: w.ready.workerId)] + dispatch(now: now)
        }
        if body.retryable && body.notReady == true && hasWork(job: key.job) {
            pending[key]!.attempt = nil
            pending[key]!.attemptsUsed -= 1
            parked.append(key)
            return dispatch(now: now)
        }
        if body.retryable && p.attemptsUsed < maxAttempts {
            pending[key]!.attempt = nil
            queue.insert(key, at: 0)
            return dispatch(now: now)
        }
        pending[key] = nil
        let why = body.retryable ? "\(body.message) (after \(p.attemptsUsed) attempts)" : body.message
        return [.taskFailed(key, message: "\(key) on worker \(w.ready.workerId): \(why)")] + dispatch(now: now)
    }

    /// Whether a task of `job` runs on a worker or waits in the queue: something that can still
    /// leave what a parked task of the job waits for.
    private func hasWork(job: Int64) -> Bool {
        queue.contains { $0.job == job } || workers.values.contains { w in w.running.contains { $0.key.job == job && pending[$0.key]?.attempt == $0.attempt } }
    }

    /// Moves the parked tasks `which` selects to the front of the queue, in the order they parked.
    private mutating func unpark(_ which: (TaskKey) -> Bool) {
        let ready = parked.filter(which)
        guard !ready.isEmpty else { return }
        parked.removeAll(where: which)
        queue.insert(contentsOf: ready, at: 0)
    }

    /// Hands queued tasks to workers with a free slot: first one task to each idle worker, then
    /// fills the remaining slots, so a short stage is spread before any worker queues a second.
    private mutating func dispatch(now: UInt64) -> [Action] {
        // A parked task whose job has nothing left that could make it ready goes back to the queue.
        if !parked.isEmpty {
            let stuck = Set(parked.map(\.job)).filter { !hasWork(job: $0) }
            unpark { stuck.contains($0.job) }
        }
        var actions: [Action] = []
        for round in 0 ..< Self.maxSlots {
            for w in workerList where w.running.count == round && round < w.slots {
                guard let key = nextRunnable(for: workers[w.routing]!, &actions) else { continue }
                hand(key, to: w.routing, now: now, &actions)
            }
        }
        return actions
    }

    /// Most tasks one worker is given at once, whatever it announces.
    static let maxSlots = 4

    /// Sends `key` to the worker at `routing` as a new attempt.
    private mutating func hand(_ key: TaskKey, to routing: Frame, now: UInt64, _ actions: inout [Action]) {
        let w = workers[routing]!
        var p = pending[key]!
        if p.attemptsUsed > 0 { actions.append(.retrying(key, reason: "attempt \(p.attemptsUsed + 1) on \(w.ready.workerId)")) }
        let attempt = nextAttempt[key.job, default: 1]
        nextAttempt[key.job] = attempt + 1
        p.attemptsUsed += 1
        p.attempt = attempt
        pending[key] = p
        workers[w.routing]!.running.append((key, attempt))
        workers[w.routing]!.lastSent = now
        let body = TaskBody(job: key.job, task: key.task, attempt: attempt, kind: p.plan.kind, stage: p.stage,
                            parameters: p.plan.parameters, files: p.plan.files, priority: p.plan.priority == 0 ? nil : p.plan.priority)
        actions.append(.send(w.routing, Message(.task, body, payload: p.plan.payload)))
    }

    /// The task `worker` should run next, by locality: the first queued task whose files it
    /// holds; else the first whose files no other worker holds; else the head of the queue (so no
    /// worker ever idles while tasks wait). Tasks out of attempts fail their job on the way.
    private mutating func nextRunnable(for worker: Worker, _ actions: inout [Action]) -> TaskKey? {
        queue.removeAll { key in
            guard let p = pending[key] else { return true }
            guard p.attemptsUsed >= maxAttempts else { return false }
            pending[key] = nil
            actions.append(.taskFailed(key, message: "\(key) lost its worker \(p.attemptsUsed) times (max_attempts \(maxAttempts))"))
            return true
        }
        guard !queue.isEmpty else { return nil }
        let others = workers.values.filter { $0.routing != worker.routing }
        var fallback: Int?, first: Int?
        for (i, key) in queue.enumerated() {
            let plan = pending[key]!.plan
            if let affinity = plan.affinity {
                if affinity == worker.session { return queue.remove(at: pinnedFirst(from: i, for: worker.session)) }
                continue
            }
            if first == nil { first = i }
            if i >= Self.localityScan && fallback != nil { break }
            let files = plan.files
            if files.isEmpty { break }
            if files.allSatisfy({ worker.cached.contains($0.xxh64) }) { return queue.remove(at: i) }
            if fallback == nil && !others.contains(where: { w in files.allSatisfy { w.cached.contains($0.xxh64) } }) { fallback = i }
        }
        guard let chosen = fallback ?? first else { return nil }
        return queue.remove(at: chosen)
    }

    /// Of the tasks pinned to `session` from queue position `start` on, the one with the lowest
    /// `TaskPlan.priority` (the first of them in the queue on a tie).
    private func pinnedFirst(from start: Int, for session: String) -> Int {
        var best = start
        for i in queue.indices.dropFirst(start + 1) {
            guard let plan = pending[queue[i]]?.plan, plan.affinity == session else { continue }
            if plan.priority < pending[queue[best]]!.plan.priority { best = i }
        }
        return best
    }

    /// How deep into the queue dispatch looks for a task whose data is local.
    static let localityScan = 256
}
