import Foundation

/// The tasks a worker has taken for one of its runner threads (the task thread, or the
/// background thread), lowest priority first and in the order received on a tie. The runner
/// thread takes the next task itself as soon as it is done with one, without a round trip
/// through the worker's loop thread; the loop adds tasks and marks them ready once their files
/// are cached. No task overtakes one before it, not even one still waiting for its files: a later
/// task may need what an earlier one leaves.
final class TaskLane: @unchecked Sendable {
    /// A task taken, with its input and the tag its reply carries back to the loop.
    struct Entry {
        var body: TaskBody
        var input: TaskInput
        var tag: [UInt8]
        var ready: Bool
        fileprivate var order: Int
    }

    private let condition = NSCondition()
    private var entries: [Entry] = []
    private var received = 0
    private var closed = false

    /// Tasks taken and not started.
    var count: Int { condition.withLock { entries.count } }

    func add(_ body: TaskBody, input: TaskInput, tag: [UInt8], ready: Bool) {
        condition.withLock {
            received += 1
            entries.append(Entry(body: body, input: input, tag: tag, ready: ready, order: received))
            condition.broadcast()
        }
    }

    /// Marks the tasks `isReady` accepts (their files are now cached) ready to start.
    func markReady(_ isReady: (TaskBody) -> Bool) {
        condition.withLock {
            for i in entries.indices where !entries[i].ready && isReady(entries[i].body) { entries[i].ready = true }
            condition.broadcast()
        }
    }

    /// Removes the tasks not started that `drop` selects (all of them by default) and returns them.
    func remove(where drop: (TaskBody) -> Bool = { _ in true }) -> [TaskBody] {
        condition.withLock {
            let gone = entries.filter { drop($0.body) }.map(\.body)
            entries.removeAll { drop($0.body) }
            condition.broadcast()
            return gone
        }
    }

    /// Wakes the runner thread for good: `next()` returns nil from now on.
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    /// Blocks until the first task (lowest priority, first received) is ready, and removes it;
    /// nil once the lane is closed.
    func next() -> Entry? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if closed { return nil }
            if let at = entries.indices.min(by: { (entries[$0].body.priority ?? 0, entries[$0].order) < (entries[$1].body.priority ?? 0, entries[$1].order) }),
               entries[at].ready {
                return entries.remove(at: at)
            }
            condition.wait()
        }
    }
}
