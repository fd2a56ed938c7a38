import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation
import Testing

/// A coordinator killed (SIGKILL) or stopped mid-job and started again on the same state directory
/// and endpoints, as real processes: running jobs resume from their checkpoints to the model an
/// uninterrupted run gives, queued ones stay queued and run, and the workers come back by themselves.
@Suite(.serialized) struct CoordinatorRestartTests {
    /// The cluster tests' helpers: the sample dataset, local clusters, waiting for jobs.
    let helpers = ClusterTests()

    func events(_ scratch: Scratch, _ job: Int64) throws -> [String] {
        try JobRegistry(directory: scratch.sub("cluster/coordinator")).events(job).map(\.detail)
    }

    /// Jobs a coordinator left queued (killed between SUBMIT and their start) stay queued and run
    /// in order; a running job of a type that keeps no checkpoint runs again from the start; a job
    /// whose dataset is gone is interrupted, with the reason; ended jobs stay as they were. The
    /// workers come back by themselves.
    @Test func queuedJobsStayQueuedAndRunInOrderAfterARestart() throws {
        let scratch = Scratch()
        let ds = try helpers.sampleDataset(scratch)
        var cluster = try helpers.start(scratch, workers: 2)
        defer { cluster.stop() }
        var client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let first = try helpers.wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id)
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

        client = try helpers.restartCoordinator(&cluster, scratch)
        let done = try ([slow] + queued).map { try helpers.wait(client, $0, seconds: 120) }
        #expect(done.map(\.state) == [.succeeded, .succeeded, .interrupted, .succeeded])
        #expect(try helpers.stats(done[0]) == DatasetStats(computing: ds))
        #expect(try helpers.stats(done[1]) == DatasetStats(computing: ds))
        #expect(done[2].error?.hasPrefix("cannot be resumed: dataset 'gone': ") == true, "\(done[2].error ?? "")")
        // Started in submission order.
        let starts = [done[0], done[1], done[3]].map { $0.startedAt ?? 0 }
        #expect(starts == starts.sorted(), "\(starts)")
        #expect(try events(scratch, slow).contains("started again from the beginning after a coordinator restart: stats jobs keep no checkpoints"))
        for id in [queued[0], queued[2]] {
            let history = try events(scratch, id)
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
        #expect(try helpers.wait(client, try client.submit(JobSpec(type: "stats", dataset: "sample")).id).id == queued[2] + 1)
    }
}
