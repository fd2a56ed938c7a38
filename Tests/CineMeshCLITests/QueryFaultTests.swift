import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// Queries through failures on real processes: a worker killed in the middle of a query costs a
/// re-run of its blocks and changes no bit of the answer; a cancelled query stops.
@Suite(.serialized) struct QueryFaultTests {
    let helpers = ClusterTests()
    static let sql = "SELECT genre, count(*) AS n, avg(rating) AS mean, median(rating) AS med, count(DISTINCT user) AS users "
        + "FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY n DESC, genre"

    @Test func aWorkerKilledMidQueryCostsItsBlocksAndNotTheAnswer() throws {
        let scratch = Scratch()
        let dataset = try helpers.sampleDataset(scratch)
        let cluster = try helpers.start(scratch, workers: 3)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "query", dataset: "sample", parameters: ["sql": Self.sql, "task_delay_ms": "150"]))
        try helpers.killBusyWorker(cluster, client) { try client.status(job.id).tasksDone >= 3 }
        let done = try helpers.wait(client, job.id)
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        #expect(done.retries >= 1)
        let answer = try JSONDecoder().decode(QueryResult.self, from: Data(try #require(done.result).utf8))
        #expect(answer == (try LocalQuery.run(Self.sql, dataset: dataset)))
    }

    @Test func aCancelledQueryStopsAndSaysSo() throws {
        let scratch = Scratch()
        _ = try helpers.sampleDataset(scratch)
        let cluster = try helpers.start(scratch, workers: 2)
        defer { cluster.stop() }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 5000)
        let job = try client.submit(JobSpec(type: "query", dataset: "sample", parameters: ["sql": Self.sql, "task_delay_ms": "300"]))
        usleep(400_000)
        _ = try client.cancel(job.id)
        let done = try helpers.wait(client, job.id)
        #expect(done.state == .cancelled)
        #expect(done.tasksDone < done.tasksTotal)
        // The cluster goes on answering.
        let next = try client.submit(JobSpec(type: "query", dataset: "sample", parameters: ["sql": "SELECT count(*) FROM ratings"]))
        #expect(try helpers.wait(client, next.id).state == .succeeded)
    }
}
