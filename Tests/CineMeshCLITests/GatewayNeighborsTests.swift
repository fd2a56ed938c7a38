import CineMeshCluster
import Foundation
import Testing

/// `GET /v1/items/{item}/similar?by=ratings|content` from the item-neighbour files a gateway is
/// started with, on the real gateway process.
@Suite(.serialized) struct GatewayNeighborsTests {
    @Test func similarByRatingsComesFromTheItemKNNFile() throws {
        let scratch = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let ds = scratch.sub("sample"), store = scratch.sub("models"), knn = scratch.sub("knn.cmneigh")
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", ds]).status == 0)
        #expect(try cinemesh(["train", ds, "--factors", "4", "--epochs", "1", "--store", store]).status == 0)
        let trained = try cinemesh(["train", ds, "--algo", "item-knn", "--split", "none", "--neighbors", "40", "--save", knn])
        #expect(trained.status == 0, "\(trained.stderr)")
        // What the file says item 902 is most like, as `cinemesh similar` prints it.
        let printed = try cinemesh(["similar", knn, "--item", "902", "--n", "1"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let (gateway, port) = try spawnGateway(["--models", store, "--neighbors", knn, "--set", "gateway.rate_limit=0"], log: scratch.sub("gateway.log"))
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        func get(_ path: String) throws -> (Int, [String: Any]) {
            let (status, body) = try http(host: "127.0.0.1", port: port, path: path)
            return (status, try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]))
        }
        let (status, answer) = try get("/v1/items/902/similar?by=ratings&n=3")
        #expect(status == 200 && answer["model"] as? String == "sample/item-knn" && answer["item"] as? String == "902", "\(answer)")
        let items = try #require(answer["items"] as? [[String: Any]])
        let scores = items.compactMap { $0["score"] as? Double }
        #expect(items.count == 3 && scores == scores.sorted(by: >) && items.allSatisfy { $0["item"] as? String != "902" })
        let firstTitle = try #require(items.first?["title"] as? String)
        #expect(printed.stdout.contains("  1  " + firstTitle), "\(printed.stdout) vs \(firstTitle)")
        // The factor model still answers by default, and the errors are JSON with their codes.
        #expect(try get("/v1/items/902/similar?n=3").0 == 200)
        for (path, code, expected) in [("/v1/items/902/similar?by=content", 404, "no-neighbors"),
                                       ("/v1/items/902/similar?by=taste", 400, "bad-parameter"),
                                       ("/v1/items/nothing/similar?by=ratings", 404, "unknown-item"),
                                       ("/v1/items/902/similar?by=ratings&n=0", 400, "bad-parameter")] {
            let (s, body) = try get(path)
            #expect(s == code && (body["error"] as? [String: Any])?["code"] as? String == expected, "\(path): \(s) \(body)")
        }
    }

    /// A damaged neighbour file stops the gateway at start, naming the file.
    @Test func aDamagedNeighbourFileIsRefusedByName() throws {
        let scratch = Scratch()
        let bad = scratch.file("bad.cmneigh", "not a neighbour file")
        try FileManager.default.createDirectory(atPath: scratch.sub("models"), withIntermediateDirectories: true)
        let r = try cinemesh(["gateway", "--models", scratch.sub("models"), "--neighbors", bad, "--port", "0"])
        #expect(r.status != 0 && r.stderr.contains(bad), "\(r.stderr)")
    }
}
