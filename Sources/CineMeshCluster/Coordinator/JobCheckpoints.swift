import CineMeshData
import Dispatch

/// The coordinator's checkpoints of running jobs: one file per job, `<state dir>/checkpoints/
/// <job>.ckpt` (`CheckpointFile`, docs/FORMATS.md "Checkpoint files"). Writes and removals run in
/// the order asked, on a queue of their own, off the loop: encoding a checkpoint may copy a whole
/// model. Of a job's checkpoints waiting to be written only the newest is kept, so a slow disk
/// skips checkpoints instead of piling models up in memory.
final class JobCheckpoints: @unchecked Sendable {
    static let directoryName = "checkpoints"
    let directory: String
    private let queue = DispatchQueue(label: "cinemesh.coordinator.checkpoints")
    private let lock = Lock()
    /// Per job, what the queue does next.
    private var pending: [Int64: Step] = [:]
    /// Checkpoints made durable, or that could not be written, since `takeWritten()` last ran.
    private var written: [(job: Int64, progress: String, error: Error?)] = []

    init(stateDirectory: String) throws {
        directory = FileSystem.join(stateDirectory, Self.directoryName)
        try FileSystem.makeDirectories(directory)
    }

    /// Where job `job`'s checkpoint is kept.
    func path(_ job: Int64) -> String { FileSystem.join(directory, "\(job).ckpt") }

    /// Writes `checkpoint` as the job's newest, replacing the one before once it is durable.
    func save(_ checkpoint: JobCheckpoint, owner: CheckpointFile.Owner) {
        schedule(owner.job, .write(checkpoint, owner))
    }

    /// Removes the job's checkpoint (the job ended), after any write asked for before.
    func remove(job: Int64) {
        schedule(job, .remove)
    }

    /// Waits until everything asked for so far is done (a clean stop).
    func flush() {
        queue.sync {}
    }

    /// The checkpoints written (error nil) or that failed since the last call, in order.
    func takeWritten() -> [(job: Int64, progress: String, error: Error?)] {
        lock.withLock {
            defer { written.removeAll() }
            return written
        }
    }

    /// The checkpoint kept for `owner`'s job, verified; nil when there is none. Throws for a file
    /// that is damaged, of another format version, or another job's.
    func load(_ owner: CheckpointFile.Owner) throws -> CheckpointFile? {
        let path = path(owner.job)
        guard FileSystem.exists(path) else { return nil }
        let file = try CheckpointFile.read(path)
        guard file.owner == owner else {
            throw DataError(.damaged, file: path, "the checkpoint is of \(file.owner), not of \(owner)")
        }
        return file
    }

    /// Removes the checkpoints of every job but `jobs` (left by a coordinator killed as a job
    /// ended), and the temporary files of writes it did not finish.
    func removeAll(except jobs: Set<Int64>) {
        for name in (try? FileSystem.list(directory)) ?? [] {
            let job = name.hasSuffix(".ckpt") ? Int64(name.dropLast(5)) : nil
            if job.map(jobs.contains) != true { FileSystem.removeTree(FileSystem.join(directory, name)) }
        }
    }

    /// What the queue does next for a job.
    private enum Step {
        case write(JobCheckpoint, CheckpointFile.Owner)
        case remove
    }

    /// Makes `step` the job's next; the queue runs it once, whatever replaced it meanwhile.
    private func schedule(_ job: Int64, _ step: Step) {
        let queued = lock.withLock { pending.updateValue(step, forKey: job) != nil }
        if !queued { queue.async { self.run(job) } }
    }

    private func run(_ job: Int64) {
        switch lock.withLock({ pending.removeValue(forKey: job) }) {
        case .write(let checkpoint, let owner):
            var failure: Error?
            do {
                let state = try checkpoint.encode()
                try CheckpointFile(owner: owner, step: checkpoint.step, progress: checkpoint.progress, state: state).write(to: path(job))
            } catch {
                failure = error
            }
            lock.withLock { written.append((job, checkpoint.progress, failure)) }
        case .remove:
            FileSystem.removeTree(path(job))
        case nil:
            break
        }
    }
}
