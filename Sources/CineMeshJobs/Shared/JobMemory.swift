import CineMeshCluster
import CineMeshData

/// What can be dropped from a `JobMemory` whatever it keeps.
protocol JobStore: Sendable {
    func end(job: Int64)
    func removeAll()
}

/// State a worker keeps between the tasks of a training job, by job and key: the user rows of the
/// grid rows it holds, item rows waiting for their column's next block, snapshots of rows at an
/// epoch's end, held-out ratings. Jobs running at once keep their values apart. A job's values
/// go when the coordinator says the job ended (JOB-ENDED), and everything goes when the worker
/// connects again (a new session: the coordinator no longer counts on what the old one held).
final class JobMemory<Key: Hashable & Sendable, Value: Sendable>: JobStore, @unchecked Sendable {
    private let lock = Lock()
    private var values: [Int64: [Key: Value]] = [:]
    /// Jobs that ended, newest last: a task of theirs still running keeps nothing.
    private var ended: [Int64] = []
    private static var endedKept: Int { 256 }

    /// The value, left in place (arrays in it share storage with the kept one).
    func peek(job: Int64, _ key: Key) -> Value? {
        lock.withLock { values[job]?[key] }
    }

    /// The value, removed: the caller holds the only reference, so updating arrays in it in place
    /// copies nothing. The caller gives it back with `keep`.
    func take(job: Int64, _ key: Key) -> Value? {
        lock.withLock { values[job]?.removeValue(forKey: key) }
    }

    func keep(job: Int64, _ key: Key, _ value: Value) {
        lock.withLock {
            guard !ended.contains(job) else { return }
            values[job, default: [:]][key] = value
        }
    }

    /// Drops the job's values whose key `drop` selects.
    func forget(job: Int64, where drop: (Key) -> Bool) {
        lock.withLock {
            guard var kept = values[job] else { return }
            kept = kept.filter { !drop($0.key) }
            values[job] = kept.isEmpty ? nil : kept
        }
    }

    /// Drops everything kept for `job`, which has ended: later values for it are not kept.
    func end(job: Int64) {
        lock.withLock {
            values[job] = nil
            ended.append(job)
            if ended.count > Self.endedKept { ended.removeFirst(ended.count - Self.endedKept) }
        }
    }

    /// Drops every job's values.
    func removeAll() {
        lock.withLock { values.removeAll() }
    }
}
