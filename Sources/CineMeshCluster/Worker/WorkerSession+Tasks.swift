import CineMeshData

extension WorkerSession {
    /// A TASK: taken if a slot is free and a runner knows its kind, else answered FAILED. While
    /// draining it is held unanswered: the DISCONNECT at the end gives it back.
    mutating func take(_ task: TaskBody, payload: [Frame]) -> [Action] {
        switch phase {
        case .registered: break
        case .draining: return []
        default: return [.protocolError("cannot handle TASK: it came before WELCOME")]
        }
        guard tasksInFlight < slots else {
            return [.send(Self.failed(task, "worker busy with \(slots) tasks", retryable: true, notReady: true))]
        }
        guard kinds.contains(task.kind) else {
            return [.send(Self.failed(task, "this worker has no runner for task kind '\(task.kind)'", retryable: false))]
        }
        tasksInFlight += 1
        return [.take(task, payload: payload, session: session)]
    }

    /// A task could not be taken after all (its transfer cannot start): FAILED, retryable.
    public mutating func notTaken(_ task: TaskBody, because error: Error, now: UInt64) -> [Action] {
        guard phase == .registered else { return [] }
        tasksInFlight = max(0, tasksInFlight - 1)
        return [.send(Self.failed(task, "cannot take the task: \(error)", retryable: true))]
    }

    /// A runner finished a task taken in session `tag`: its reply goes on only if that is the
    /// current session. The last running task of a drain ends the worker.
    public mutating func finished(session tag: UInt64, now: UInt64) -> [Action] {
        switch phase {
        case .registered, .draining: guard tag == session else { return [.dropReply] }
        default: return [.dropReply]
        }
        tasksInFlight = max(0, tasksInFlight - 1)
        return [.forwardReply] + drained()
    }

    /// `count` tasks not started were taken off the runner queues (`dropTasks`, `withdraw`).
    public mutating func released(_ count: Int, now: UInt64) -> [Action] {
        tasksInFlight = max(0, tasksInFlight - count)
        return drained()
    }

    /// Leaves once a drain has nothing left running.
    private mutating func drained() -> [Action] {
        guard case .draining = phase, tasksInFlight == 0 else { return [] }
        return leave("the tasks under way finished")
    }

    /// FAILED for `task`'s attempt.
    static func failed(_ task: TaskBody, _ why: String, retryable: Bool, notReady: Bool = false) -> Message {
        Message(.failed, FailedBody(job: task.job, task: task.task, attempt: task.attempt, message: why, retryable: retryable, notReady: notReady))
    }
}
