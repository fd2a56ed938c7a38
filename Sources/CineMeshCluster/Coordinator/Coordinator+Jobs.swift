import CineMeshData
import Foundation
import Logging

extension Coordinator {
    /// Validates `spec` and records the job as queued; its driver (which may load and split the
    /// whole dataset) is made on `prepareQueue`, and the loop starts the job when it is ready.
    /// Bad specs are refused before anything is recorded: `bad-request` for a spec that is wrong
    /// in itself, `bad-dataset` for a dataset that cannot be opened (as `cinemesh train` on this
    /// box would say: a usage error there is a usage error here, missing or damaged data is not).
    /// With CURVE on, a spec names datasets in the datasets directory only: a client on another
    /// box has no business naming paths on this one.
    func submit(_ spec: JobSpec, from peer: PeerMetadata = PeerMetadata()) throws -> JobRecord {
        guard let type = jobTypes[spec.type] else {
            throw ErrorBody(code: "bad-request", message: "unknown job type '\(spec.type)' (known: \(jobTypes.keys.sorted().joined(separator: ", ")))")
        }
        do { try type.validate(spec) } catch { throw ErrorBody(code: "bad-request", message: "\(error)") }
        let context = JobContext(modelsDirectory: models.directory, datasetsDirectory: config.coordinatorDatasetsDirectory,
                                 namesOnly: security != nil)
        let path: String
        do { path = try context.path(of: spec.dataset) } catch { throw ErrorBody(code: "bad-request", message: "\(error)") }
        let dataset: Dataset
        do {
            dataset = try datasets.open(path)
        } catch {
            let usage = (error as? DataError)?.kind == .usage
            throw ErrorBody(code: usage ? "bad-request" : "bad-dataset", message: "dataset '\(spec.dataset)': \(error)")
        }
        files.publish(dataset)
        let record = try registry.insert(spec, now: MonotonicClock.wallSeconds())
        logger.info("job submitted", metadata: ["job": "\(record.id)", "type": "\(spec.type)", "dataset": "\(path)"])
        prepare(record, type: type, dataset: dataset, context: context, resuming: false)
        return record
    }

    /// Records the job as being prepared and makes its driver on `prepareQueue`: from the start,
    /// or for a job that was running when the previous coordinator stopped, from its checkpoint.
    func prepare(_ record: JobRecord, type: JobType, dataset: Dataset, context: JobContext, resuming: Bool) {
        preparing[record.id] = record
        datasetUses[record.id] = (dataset.path, dataset.manifest.datasetVersion)
        let owner = Self.checkpointOwner(record, dataset)
        let spec = record.spec
        prepareQueue.async { [self] in
            let made = resuming ? resumedDriver(owner, type: type, spec: spec, dataset: dataset, context: context)
                : PreparedDriver(driver: UnsafeSendable(Result { try type.makeDriver(spec, dataset, context) }), owner: owner)
            preparedLock.withLock { prepared.append(made) }
            wakeLoop()
        }
    }

    /// Starts the jobs whose drivers are ready (or fails those whose drivers could not be made).
    func startPreparedJobs() {
        let ready = preparedLock.withLock { () -> [PreparedDriver] in
            defer { prepared.removeAll() }
            return prepared
        }
        for made in ready {
            let id = made.id
            guard var record = preparing.removeValue(forKey: id) else { continue }   // cancelled meanwhile
            let now = MonotonicClock.wallSeconds()
            switch made.driver.value {
            case .failure(let error):
                record.state = .failed
                record.error = "\(error)"
                record.finishedAt = now
                record.checkpoint = nil
                logger.error("job failed to start", metadata: ["job": "\(id)", "error": "\(error)"])
                try? registry.update(record, event: "failed: \(error)", now: now)
                checkpoints.remove(job: id)
                releaseDataset(of: id)
                metrics.jobsFinished.increment()
            case .success(let driver):
                record.state = .running
                record.startedAt = record.startedAt ?? now   // a resumed job keeps when it first started
                record.checkpoint = made.resumedFrom?.progress
                if let event = made.event {
                    logger.info("job taken up again", metadata: ["job": "\(id)", "how": "\(event)"])
                    try? registry.update(record, event: event, now: now)
                }
                let job = ActiveJob(record: record, driver: driver, owner: made.owner, checkpointStep: made.resumedFrom?.step ?? 0)
                jobs[id] = job
                metrics.jobsRunning.record(jobs.count)
                advance(job)
            }
        }
    }

    /// Starts the job's next stage, or finishes it when there is none.
    func advance(_ job: ActiveJob) {
        let id = job.record.id
        do {
            job.driver.workersAvailable(scheduler.workerList.map(\.session))
            while let stage = try job.driver.nextStage() {
                saveCheckpoint(job)
                guard !stage.tasks.isEmpty else { continue }
                job.record.stage = stage.name
                job.record.stageIndex += 1
                job.record.tasksDone = 0
                job.record.tasksTotal = stage.total
                job.tasksQueued = stage.tasks.count
                job.record.metrics = job.driver.metrics
                try registry.update(job.record, event: "stage \(job.record.stageIndex) '\(stage.name)': \(stage.tasks.count) tasks",
                                    now: MonotonicClock.wallSeconds())
                logger.info("stage started", metadata: ["job": "\(id)", "stage": "\(stage.name)", "tasks": "\(stage.tasks.count)"])
                perform(scheduler.enqueue(job: id, stage: stage, now: MonotonicClock.milliseconds()))
                return
            }
            saveCheckpoint(job)
            // The result (a model file of hundreds of MB, say) is made off the loop, like drivers.
            job.finishing = true
            let driver = UnsafeSendable(job.driver)
            prepareQueue.async { [self] in
                let outcome = Result { try driver.value.finish() }
                preparedLock.withLock { finished.append((id, outcome)) }
                wakeLoop()
            }
        } catch {
            failJob(id, "\(error)")
        }
    }

    /// Wakes the loop from `prepareQueue` (the only thread that sends on `wakeSender`).
    func wakeLoop() {
        wakeLock.withLock {
            if !wakeClosed { try? wakeSender.send([[1]], dontWait: true) }
        }
    }

    /// Records the results made on `prepareQueue` for jobs whose stages are all done.
    func endFinishedJobs() {
        let done = preparedLock.withLock { () -> [(id: Int64, outcome: Result<JobOutcome, Error>)] in
            defer { finished.removeAll() }
            return finished
        }
        for (id, outcome) in done {
            guard let job = jobs[id] else { continue }   // cancelled meanwhile
            switch outcome {
            case .success(let outcome):
                job.record.state = .succeeded
                job.record.result = outcome.result
                job.record.summary = outcome.summary
                job.record.metrics = job.driver.metrics
                end(job, event: "succeeded")
                if let model = outcome.model { modelPublished(model) }
            case .failure(let error):
                failJob(id, "\(error)")
            }
        }
    }

    func taskCompleted(_ key: Scheduler.TaskKey, _ body: ResultBody, _ payload: [Frame], worker: String) {
        guard let job = jobs[key.job] else { return }
        do {
            try job.driver.accept(task: key.task, output: body.output, payload: payload, worker: worker)
        } catch {
            failJob(key.job, "\(error)")
            return
        }
        saveCheckpoint(job)
        job.record.tasksDone += 1
        job.record.metrics = job.driver.metrics
        let released = job.driver.releasedTasks()
        let extent = job.driver.stageExtent
        if let extent {
            job.record.tasksTotal = max(extent.total, job.tasksQueued + released.count)
            if extent.isOver {
                scheduler.removeJob(key.job)   // outstanding attempts of the stage become stale
                advance(job)
                return
            }
        }
        if !released.isEmpty {
            let first = job.tasksQueued
            job.tasksQueued += released.count
            guard job.tasksQueued <= job.record.tasksTotal else {
                failJob(key.job, "the job's driver added more tasks than its stage declared (\(job.record.tasksTotal))")
                return
            }
            perform(scheduler.enqueue(job: key.job, stage: StagePlan(name: job.record.stage, tasks: released), first: first,
                                      now: MonotonicClock.milliseconds()))
        }
        if extent == nil && job.record.tasksDone == job.record.tasksTotal { advance(job) }
    }

    /// Tells every running job which worker sessions are registered (a worker just registered).
    func announceWorkers() {
        let sessions = scheduler.workerList.map(\.session)
        for job in jobs.values where !job.finishing { job.driver.workersAvailable(sessions) }
    }

    /// Tells every running job that a worker session ended; a job whose driver rolled back has its
    /// current stage dropped (outstanding attempts become stale) and is asked for its next stage.
    func rollBack(lost session: String) {
        for job in jobs.values.sorted(by: { $0.record.id < $1.record.id }) where !job.finishing && job.driver.workerLost(session) {
            logger.warning("job rolled back after losing a worker's state", metadata: ["job": "\(job.record.id)", "worker": "\(session)"])
            scheduler.removeJob(job.record.id)
            job.record.retries += 1
            advance(job)
        }
    }

    func failJob(_ id: Int64, _ message: String) {
        guard let job = jobs[id] else { return }
        job.record.state = .failed
        job.record.error = message
        logger.error("job failed", metadata: ["job": "\(id)", "error": "\(message)"])
        end(job, event: "failed: \(message)")
    }

    /// Cancels a running job; its outstanding attempts' replies become stale.
    func cancel(_ id: Int64) throws -> JobRecord {
        if var record = preparing.removeValue(forKey: id) {
            let now = MonotonicClock.wallSeconds()
            record.state = .cancelled
            record.finishedAt = now
            record.checkpoint = nil
            try registry.update(record, event: "cancelled by a client", now: now)
            checkpoints.remove(job: id)
            releaseDataset(of: id)
            return record
        }
        guard let job = jobs[id] else {
            guard let record = try registry.job(id) else { throw ErrorBody(code: "not-found", message: "no job \(id)") }
            throw ErrorBody(code: "bad-request", message: "job \(id) already ended (\(record.state.rawValue))")
        }
        job.record.state = .cancelled
        end(job, event: "cancelled by a client")
        return job.record
    }

    private func end(_ job: ActiveJob, event: String) {
        let id = job.record.id
        scheduler.removeJob(id)
        jobs[id] = nil
        checkpoints.remove(job: id)
        releaseDataset(of: id)
        job.record.checkpoint = nil
        do {
            let ended = try Message(.jobEnded, JobEndedBody(job: id))
            for w in scheduler.workerList { send(w.routing, ended) }
        } catch {
            logger.error("cannot tell workers that job \(id) ended: \(error)")
        }
        job.record.finishedAt = MonotonicClock.wallSeconds()
        metrics.jobsFinished.increment()
        metrics.jobsRunning.record(jobs.count)
        do {
            try registry.update(job.record, event: event, now: job.record.finishedAt!)
        } catch {
            logger.error("cannot record job \(id)'s end: \(error)")
        }
        if job.record.state == .succeeded {
            logger.info("job succeeded", metadata: ["job": "\(id)", "retries": "\(job.record.retries)",
                                                    "seconds": "\(String(format: "%.3f", job.record.finishedAt! - (job.record.startedAt ?? 0)))"])
        }
    }

    /// Job `id` no longer reads its dataset: the dataset's versions that no other job uses, but the
    /// newest, are removed (`DatasetPruner`, off the loop). Versions made after this moment are
    /// kept whatever happens, since a job may open one before the prune runs.
    func releaseDataset(of id: Int64) {
        guard let use = datasetUses.removeValue(forKey: id) else { return }
        let path = use.path
        guard FileSystem.isDirectory(FileSystem.join(path, "versions")), let newest = try? Dataset.versions(at: path).last else { return }
        let inUse = Set(datasetUses.values.filter { $0.path == path }.map(\.version))
        prepareQueue.async(group: pruning) { [logger] in
            do {
                let outcome = try DatasetPruner.prune(path, keeping: inUse, before: newest)
                guard !outcome.removedVersions.isEmpty else { return }
                logger.info("removed dataset versions no job uses", metadata: [
                    "dataset": "\(path)", "versions": "\(outcome.removedVersions)", "files": "\(outcome.removedFiles.count)",
                    "bytes": "\(outcome.freedBytes)"])
            } catch {
                logger.warning("cannot remove old dataset versions", metadata: ["dataset": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// The record of job `id`: live for a running job, else from the registry.
    func record(_ id: Int64) throws -> JobRecord? {
        if let job = jobs[id] { return job.record }
        if let record = preparing[id] { return record }
        return try registry.job(id)
    }
}
