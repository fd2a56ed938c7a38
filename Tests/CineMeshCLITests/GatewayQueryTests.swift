import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// `POST /v1/query` on a gateway that follows a real coordinator with real workers: answers equal
/// to the in-process engine's, bad queries as 400 with their position, the row and time limits,
/// and a gateway that follows nobody saying so.
@Suite(.serialized) struct GatewayQueryTests {
    let helpers = ClusterTests()

    func post(_ port: Int, _ body: [String: Any]) throws -> (status: Int, json: [String: Any]) {
        let answer = try http(host: "127.0.0.1", port: port, path: "/v1/query", body: Array(try JSONSerialization.data(withJSONObject: body)))
        let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] ?? [:]
        return (answer.status, json)
    }

    @Test func queriesOnTheFollowedClusterAnswerAsTheEngineDoesAndRefuseWhatTheyMust() throws {
        let scratch = Scratch()
        let dataset = try helpers.sampleDataset(scratch)
        let cluster = try helpers.start(scratch, workers: 2)
        defer { cluster.stop() }
        let (gateway, port) = try spawnGateway(["--coordinator", cluster.endpoints.clients, "--models", scratch.sub("replica"),
                                                "--query-dataset", "sample"] + ClusterTests.settings.flatMap { ["--set", $0] },
                                               log: scratch.sub("gateway.log"))
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }

        let sql = "SELECT genre, count(*) AS n, avg(rating) AS mean FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY n DESC, genre"
        let ok = try post(port, ["sql": sql])
        #expect(ok.status == 200)
        #expect(ok.json["job"] as? Int ?? 0 > 0)
        let expected = try LocalQuery.run(sql, dataset: dataset)
        let answered = try JSONDecoder().decode(QueryResult.self, from: try JSONSerialization.data(withJSONObject: ok.json))
        #expect(answered == expected)

        let bad = try post(port, ["sql": "SELECT a FORM ratings"])
        #expect(bad.status == 400)
        let error = bad.json["error"] as? [String: Any] ?? [:]
        #expect(error["code"] as? String == "bad-query")
        #expect(error["line"] as? Int == 1 && error["column"] as? Int == 10)
        #expect(error["message"] as? String == "query:1:10: expected FROM, found 'FORM'")

        let unknown = try post(port, ["sql": "SELECT titel FROM titles"])
        #expect(unknown.status == 400 && (unknown.json["error"] as? [String: Any])?["column"] as? Int == 8)

        let big = try post(port, ["sql": "SELECT user, item FROM ratings", "max_rows": 5])
        #expect(big.status == 413)

        let missing = try post(port, ["sql": "SELECT count(*) FROM ratings", "dataset": "no-such-dataset"])
        #expect(missing.status == 404)

        let slow = try post(port, ["sql": sql, "timeout_ms": 1])
        #expect(slow.status == 504)

        let (plain, plainPort) = try spawnGateway(["--models", scratch.sub("replica")], log: scratch.sub("plain.log"))
        defer { plain.signal(SIGTERM); _ = plain.waitForExit(milliseconds: 5000) }
        #expect(try post(plainPort, ["sql": sql]).status == 503)
    }
}
