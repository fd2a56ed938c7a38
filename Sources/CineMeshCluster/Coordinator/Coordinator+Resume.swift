import CineMeshData
import Foundation

/// Jobs outlive their coordinator. A running job's driver hands the coordinator checkpoints
/// (`JobDriver.latestCheckpoint`), which `JobCheckpoints` makes durable in the state directory; a
/// coordinator that stops, cleanly or killed, leaves its queued and running jobs as they are in
/// the registry, and the next one on the same state directory takes them up in submission order:
/// queued jobs stay queued, running ones go on from their newest checkpoint (or from the beginning
/// when they have none, or it cannot be used), under the same job id and history.
extension Coordinator {
    /// Takes up the jobs a previous coordinator left unfinished (at the start of `run()`).
    func resumeUnfinishedJobs() {
        let unfinished: [JobRecord]
        do {
            unfinished = try registry.unfinished()
        } catch {
            logger.error("cannot read the jobs the previous coordinator left unfinished: \(error)")
            return
        }
        checkpoints.removeAll(except: Set(unfinished.map(\.id)))
        guard !unfinished.isEmpty else { return }
        logger.info("taking up the jobs the previous coordinator left unfinished",
                    metadata: ["running": "\(unfinished.filter { $0.state == .running }.map(\.id))",
                               "queued": "\(unfinished.filter { $0.state == .queued }.map(\.id))"])
        let context = JobContext(modelsDirectory: models.directory, datasetsDirectory: config.coordinatorDatasetsDirectory)
        for record in unfinished {
            guard let type = jobTypes[record.type] else {
                interrupt(record, "cannot be resumed: this coordinator has no job type '\(record.type)'")
                continue
            }
            let dataset: Dataset
            do {
                dataset = try datasets.open(context.path(of: record.spec.dataset))
            } catch {
                interrupt(record, "cannot be resumed: dataset '\(record.spec.dataset)': \(error)")
                continue
            }
            files.publish(dataset)
            prepare(record, type: type, dataset: dataset, context: context, resuming: record.state == .running)
        }
    }

    /// The driver of a job that was running when the previous coordinator stopped (made on
    /// `prepareQueue`): from its checkpoint when there is one this build can resume from, else
    /// from the beginning, with the event that says which and why. Either way the job comes to the
    /// result an uninterrupted run gives; only the time differs.
    func resumedDriver(_ owner: CheckpointFile.Owner, type: JobType, spec: JobSpec, dataset: Dataset, context: JobContext) -> PreparedDriver {
        func fromTheStart(_ why: String) -> PreparedDriver {
            logger.warning("job \(owner.job) starts again from the beginning", metadata: ["why": "\(why)"])
            return PreparedDriver(driver: UnsafeSendable(Result { try type.makeDriver(spec, dataset, context) }), owner: owner,
                                  event: "started again from the beginning after a coordinator restart: \(why)")
        }
        guard let resume = type.resume else { return fromTheStart("\(type.name) jobs keep no checkpoints") }
        let stored: CheckpointFile
        do {
            guard let file = try checkpoints.load(owner) else { return fromTheStart("no checkpoint had been saved") }
            stored = file
        } catch {
            return fromTheStart("its checkpoint is unusable (\(error))")
        }
        do {
            let driver = try resume(spec, dataset, context, stored.state)
            return PreparedDriver(driver: UnsafeSendable(.success(driver)), owner: owner, resumedFrom: (stored.step, stored.progress),
                                  event: "resumed from its checkpoint after \(stored.progress) after a coordinator restart")
        } catch {
            return fromTheStart("its checkpoint after \(stored.progress) cannot be resumed from (\(error))")
        }
    }

    /// Whose a job's checkpoints are: the job, its type, its spec and its dataset's content. The
    /// spec hash is the XXH64 of its type, dataset, and parameters' keys and values in key order,
    /// each followed by a zero byte (docs/FORMATS.md, "Checkpoint files").
    static func checkpointOwner(_ record: JobRecord, _ dataset: Dataset) -> CheckpointFile.Owner {
        let spec = record.spec
        let fields: [String] = [spec.type, spec.dataset] + spec.parameters.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        let bytes: [UInt8] = fields.flatMap { Array($0.utf8) + [0] }
        return CheckpointFile.Owner(job: record.id, type: record.type, specHash: XXHash64.hash(bytes), datasetHash: dataset.manifest.contentHash)
    }

    /// Hands the job's newest checkpoint to `checkpoints` when it is newer than the last one.
    func saveCheckpoint(_ job: ActiveJob) {
        guard !job.finishing, let checkpoint = job.driver.latestCheckpoint, checkpoint.step > job.checkpointStep else { return }
        job.checkpointStep = checkpoint.step
        checkpoints.save(checkpoint, owner: job.owner)
    }

    /// Shows the checkpoints made durable in the jobs' records (`cinemesh status`).
    func noteWrittenCheckpoints() {
        for (id, progress, error) in checkpoints.takeWritten() {
            if let error {
                logger.error("cannot write a checkpoint; the job goes on, resumable from the one before", metadata: [
                    "job": "\(id)", "checkpoint": "\(progress)", "error": "\(error)"])
            } else {
                jobs[id]?.record.checkpoint = progress
            }
        }
    }

    /// A clean stop: the checkpoints asked for are made durable, and queued and running jobs stay
    /// so in the registry, for the next coordinator on this state directory to take up.
    func leaveUnfinishedJobs() {
        checkpoints.flush()
        noteWrittenCheckpoints()
        let now = MonotonicClock.wallSeconds()
        for (_, record) in preparing.sorted(by: { $0.key < $1.key }) where record.state == .running {
            try? registry.update(record, event: "the coordinator stopped; the job resumes when a coordinator starts again", now: now)
        }
        preparing.removeAll()
        for job in jobs.values.sorted(by: { $0.record.id < $1.record.id }) {
            let from = job.record.checkpoint.map { "its checkpoint after \($0)" } ?? "the beginning"
            try? registry.update(job.record, event: "the coordinator stopped; the job resumes from \(from) when a coordinator starts again", now: now)
        }
        jobs.removeAll()
    }

    /// Ends a job a restarted coordinator cannot take up.
    private func interrupt(_ record: JobRecord, _ why: String) {
        var record = record
        let now = MonotonicClock.wallSeconds()
        record.state = .interrupted
        record.finishedAt = now
        record.error = why
        record.checkpoint = nil
        logger.error("job interrupted", metadata: ["job": "\(record.id)", "why": "\(why)"])
        try? registry.update(record, event: why, now: now)
        checkpoints.remove(job: record.id)
    }
}
