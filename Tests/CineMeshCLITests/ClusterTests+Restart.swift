import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation
import Testing

/// A coordinator killed (SIGKILL) or stopped (SIGTERM) mid-job and started again on the same state
/// directory and endpoints, as real processes: running jobs resume from their checkpoints to the
/// model an uninterrupted run gives, queued ones stay queued and run, and the workers come back by
/// themselves. Part of the serialized cluster suite: the machine's cores go to one cluster at a time.
extension ClusterTests {
    /// Where the cluster's coordinator keeps job `job`'s checkpoint.
    func checkpointPath(_ scratch: Scratch, _ job: Int64) -> String { scratch.sub("cluster/coordinator/checkpoints/\(job).ckpt") }

    /// Job `job`'s history in the cluster's registry, oldest first.
    func jobEvents(_ scratch: Scratch, _ job: Int64) throws -> [String] {
        try JobRegistry(directory: scratch.sub("cluster/coordinator")).events(job).map(\.detail)
    }

    /// The model file of a job that succeeded.
    func modelFile(_ record: JobRecord) throws -> [UInt8] {
        #expect(record.state == .succeeded, "\(record.error ?? "")")
        let result = try JSONDecoder().decode(TrainingResult.self, from: Data(try #require(record.result).utf8))
        return try FileSystem.readAll(try #require(result.modelFile))
    }

    /// 12 epochs (iterations) of `algo` on the sample, a checkpoint after each.
    static func restartParameters(_ algo: String) -> [String: String] {
        var parameters = svdParameters
        parameters["algo"] = algo
        parameters["epochs"] = "12"
        parameters["checkpoint_every"] = "1"
        if algo == "als" { parameters["lr"] = nil; parameters["reg"] = "0.1" }
        return parameters
    }

    /// Starts a cluster of two workers on the sample, submits a `train` job of `parameters` and
    /// sends the coordinator `signal` as soon as the job's first checkpoint is durable (the status
    /// shows it only then), well before the job ends. Returns the cluster, its coordinator gone
    /// (the caller stops it), the job, and its record as last seen.
    func trainUntilCheckpointed(_ scratch: Scratch, _ parameters: [String: String], signal: Int32) throws -> (LocalCluster, Int64, JobRecord) {
        _ = try sampleDataset(scratch)
        let cluster = try start(scratch, workers: 2)
        do {
            let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
            let job = try client.submit(JobSpec(type: "train", dataset: "sample", parameters: parameters)).id
            var record = try client.status(job)
            let deadline = Date().addingTimeInterval(120)
            while record.checkpoint == nil && !record.state.isFinal && Date() < deadline {
                usleep(2_000)
                record = try client.status(job)
            }
            cluster.coordinator.signal(signal)
            #expect(cluster.coordinator.waitForExit(milliseconds: 5000))
            return (cluster, job, record)
        } catch {
            cluster.stop()
            throw error
        }
    }

    /// Killed (svd, als) or stopped cleanly (svd: SIGTERM, as `cinemesh down` or systemd does).
    @Test(arguments: [("svd", SIGKILL), ("als", SIGKILL), ("svd", SIGTERM)])
    func aCoordinatorStoppedMidTrainingResumesFromItsCheckpointToTheSameModel(algo: String, signal: Int32) throws {
        let scratch = Scratch()
        let parameters = Self.restartParameters(algo)
        var (cluster, job, record) = try trainUntilCheckpointed(scratch, parameters, signal: signal)
        defer { cluster.stop() }
        #expect(record.state == .running, "the job ended before a checkpoint: \(record.state)")
        let unit = algo == "svd" ? "epoch" : "iteration"
        let saved = try #require(record.checkpoint)
        #expect(saved.hasPrefix("\(unit) ") && saved.hasSuffix(" of 12") && saved != "\(unit) 12 of 12", "\(saved)")
        #expect(FileSystem.exists(checkpointPath(scratch, job)))

        let client = try restartCoordinator(&cluster, scratch)
        let done = try wait(client, job, seconds: 180)
        // The uninterrupted run, on a cluster of its own.
        let reference = try trainOnCluster(scratch, workers: 2, parameters: parameters).1
        #expect(XXHash64.hash(try modelFile(done)) == XXHash64.hash(reference), "the model changed with the coordinator stopped")
        // Taken up from a checkpoint at least as new as the one seen, under the same id and history.
        let history = try jobEvents(scratch, job)
        let resumed = try #require(history.first { $0.hasPrefix("resumed from its checkpoint after \(unit) ") }, "\(history)")
        #expect(resumed.hasSuffix(" of 12 after a coordinator restart"))
        let from = Int(resumed.dropFirst("resumed from its checkpoint after \(unit) ".count).prefix { $0.isNumber }) ?? 0
        #expect(from >= Int(saved.dropFirst(unit.count + 1).prefix { $0.isNumber }) ?? 1 && from < 12, "\(resumed) after \(saved)")
        #expect(history.first == "submitted: train on sample" && history.last == "succeeded")
        #expect(!history.contains { $0.contains("interrupted") || $0.contains("from the beginning") }, "\(history)")
        if signal == SIGTERM {
            #expect(history.contains { $0.hasPrefix("the coordinator stopped; the job resumes from its checkpoint after \(unit) ") }, "\(history)")
        }
        // The checkpoint goes with the job.
        for _ in 0 ..< 100 where FileSystem.exists(checkpointPath(scratch, job)) { usleep(20_000) }
        #expect(!FileSystem.exists(checkpointPath(scratch, job)))
        #expect(try FileSystem.list(scratch.sub("cluster/coordinator/checkpoints")).isEmpty)
    }

    /// A damaged checkpoint is said so in the job's events, and the job starts again from the
    /// beginning: to the same model, only later.
    @Test func aDamagedCheckpointStartsTheJobAgainFromTheBeginning() throws {
        let scratch = Scratch()
        let parameters = Self.restartParameters("svd")
        var (cluster, job, record) = try trainUntilCheckpointed(scratch, parameters, signal: SIGKILL)
        defer { cluster.stop() }
        #expect(record.checkpoint != nil)
        var bytes = try FileSystem.readAll(checkpointPath(scratch, job))
        bytes[bytes.count / 2] ^= 0x10
        _ = try AtomicFile.write(bytes, to: checkpointPath(scratch, job))
        let client = try restartCoordinator(&cluster, scratch)
        let done = try wait(client, job, seconds: 180)
        let reference = try trainOnCluster(scratch, workers: 2, parameters: parameters).1
        #expect(XXHash64.hash(try modelFile(done)) == XXHash64.hash(reference))
        let history = try jobEvents(scratch, job)
        #expect(history.contains { $0.hasPrefix("started again from the beginning after a coordinator restart: its checkpoint is unusable (")
                && $0.contains("checksum mismatch") }, "\(history)")
    }

    /// Jobs a coordinator left queued (killed between SUBMIT and their start) stay queued and run
    /// in order; a running job of a type that keeps no checkpoint runs again from the start; a job
    /// whose dataset is gone is interrupted, with the reason; ended jobs stay as they were. The
    /// workers come back by themselves.
    @Test func queuedJobsStayQueuedAndRunInOrderAfterARestart() throws {
        let scratch = Scratch()
        let ds = try sampleDataset(scratch)
        var cluster = try start(scratch, workers: 2)
        defer { cluster.stop() }
        var client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let first = try wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id)
        let slow = try client.submit(JobSpec(type: "stats", dataset: "sample", parameters: ["task_delay_ms": "300"])).id
        var running = try client.status(slow)
        for _ in 0 ..< 1000 where running.tasksDone == 0 {
            usleep(5_000)
            running = try client.status(slow)
        }
        cluster.coordinator.signal(SIGKILL)
        #expect(cluster.coordinator.waitForExit(milliseconds: 5000))
        // What a coordinator killed right after accepting them leaves: jobs queued in the registry.
        let registry = try JobRegistry(directory: scratch.sub("cluster/coordinator"))
        let queued = try [JobSpec(type: "stats", dataset: "sample"), JobSpec(type: "stats", dataset: "gone"),
                          JobSpec(type: "train", dataset: "sample", parameters: ["factors": "4", "epochs": "3", "split": "random:0.2"])]
            .map { try registry.insert($0, now: Date().timeIntervalSince1970).id }

        client = try restartCoordinator(&cluster, scratch)
        let done = try ([slow] + queued).map { try wait(client, $0, seconds: 120) }
        #expect(done.map(\.state) == [.succeeded, .succeeded, .interrupted, .succeeded])
        #expect(try stats(done[0]) == DatasetStats(computing: ds))
        #expect(try stats(done[1]) == DatasetStats(computing: ds))
        #expect(done[2].error?.hasPrefix("cannot be resumed: dataset 'gone': ") == true, "\(done[2].error ?? "")")
        // Started in submission order.
        let starts = [done[0], done[1], done[3]].map { $0.startedAt ?? 0 }
        #expect(starts == starts.sorted(), "\(starts)")
        #expect(try jobEvents(scratch, slow).contains("started again from the beginning after a coordinator restart: stats jobs keep no checkpoints"))
        for id in [queued[0], queued[2]] {
            let history = try jobEvents(scratch, id)
            #expect(history.first?.hasPrefix("submitted: ") == true && history.last == "succeeded", "\(history)")
            #expect(!history.contains { $0.contains("restart") }, "a queued job was queued, not resumed: \(history)")
        }
        // A job that ended before stays as it was.
        let before = try client.status(first.id)
        #expect(before.state == .succeeded && before.result == first.result && before.finishedAt == first.finishedAt)
        var alive = 0
        for _ in 0 ..< 200 where alive < 2 {
            alive = (try? client.workers().count) ?? 0
            usleep(50_000)
        }
        #expect(alive == 2)
        #expect(try wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id).id == queued[2] + 1)
    }
}
