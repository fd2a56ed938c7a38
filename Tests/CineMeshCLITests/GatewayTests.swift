import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// The real gateway process on a loopback port, serving a model store, called over HTTP.
@Suite(.serialized) struct GatewayTests {
    /// Ingests data/sample, trains a small svd model into a store, starts the gateway on a free
    /// port; returns the process, its port and the store.
    func start(_ scratch: Scratch) throws -> (ChildProcess, Int, String) {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let ds = scratch.sub("sample"), store = scratch.sub("models")
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", ds]).status == 0)
        let trained = try cinemesh(["train", ds, "--factors", "8", "--epochs", "3", "--store", store])
        #expect(trained.status == 0, "\(trained.stderr)")
        // These tests load the serving path; the per-client rate limit has tests of its own.
        let (gateway, port) = try spawnGateway(["--models", store, "--poll-ms", "100", "--set", "gateway.rate_limit=0"], log: scratch.sub("gateway.log"))
        return (gateway, port, store)
    }

    func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func everyEndpointAndEveryErrorPath() throws {
        let scratch = Scratch()
        let (gateway, port, _) = try start(scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        func get(_ path: String) throws -> (Int, [String: Any]) {
            let (status, body) = try http(host: "127.0.0.1", port: port, path: path)
            return (status, try json(body))
        }
        let (s1, recs) = try get("/v1/users/1/recommendations?n=5")
        #expect(s1 == 200 && recs["model_version"] as? Int == 1)
        let items = try #require(recs["items"] as? [[String: Any]])
        #expect(items.count == 5 && items[0]["title"] is String && items[0]["rank"] as? Int == 1)
        let scores = items.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >))
        // Seen items are left out unless asked for.
        let (_, withSeen) = try get("/v1/users/1/recommendations?n=50&exclude_seen=false")
        let (_, unseen) = try get("/v1/users/1/recommendations?n=50")
        let seenIds = Set((withSeen["items"] as! [[String: Any]]).map { $0["item"] as! String })
        let unseenIds = Set((unseen["items"] as! [[String: Any]]).map { $0["item"] as! String })
        #expect(seenIds != unseenIds)
        let (sg, drama) = try get("/v1/users/1/recommendations?n=5&genre=Drama")
        #expect(sg == 200 && (drama["items"] as! [[String: Any]]).allSatisfy { ($0["genres"] as! [String]).contains("Drama") })
        let (s2, similar) = try get("/v1/items/902/similar?n=3")
        #expect(s2 == 200 && (similar["items"] as? [[String: Any]])?.count == 3)
        let (s3, prediction) = try get("/v1/users/1/items/902/prediction")
        let rating = try #require(prediction["rating"] as? Double)
        #expect(s3 == 200 && rating >= 0.5 && rating <= 5)
        let (s4, popular) = try get("/v1/popular?n=4")
        #expect(s4 == 200 && (popular["items"] as? [[String: Any]])?.count == 4)
        let (s5, model) = try get("/v1/model")
        #expect(s5 == 200 && model["algorithm"] as? String == "svd" && model["users"] as? Int == 1000)
        #expect(try http(host: "127.0.0.1", port: port, path: "/readyz").status == 200)
        #expect(try http(host: "127.0.0.1", port: port, path: "/healthz").status == 200)
        // Errors: JSON, 4xx, never 5xx.
        for (path, status, code) in [("/v1/users/nobody/recommendations", 404, "unknown-user"),
                                     ("/v1/items/nothing/similar", 404, "unknown-item"),
                                     ("/v1/users/1/items/nothing/prediction", 404, "unknown-item"),
                                     ("/v1/users/1/recommendations?n=0", 400, "bad-parameter"),
                                     ("/v1/users/1/recommendations?n=1001", 400, "bad-parameter"),
                                     ("/v1/users/1/recommendations?n=ten", 400, "bad-parameter"),
                                     ("/v1/users/1/recommendations?exclude_seen=maybe", 400, "bad-parameter"),
                                     ("/v1/users/1/recommendations?genre=Polka", 400, "unknown-genre"),
                                     ("/v1/popular?genre=Polka", 400, "unknown-genre")] {
            let (s, body) = try get(path)
            #expect(s == status, "\(path)")
            #expect((body["error"] as? [String: Any])?["code"] as? String == code, "\(path)")
        }
        // An unknown path, or a method a path does not serve, is a JSON error too.
        for (path, body) in [("/v1/nowhere", nil), ("/v1/recommendations", nil), ("/v1/popular", Array("{}".utf8))] {
            let (s, text) = try http(host: "127.0.0.1", port: port, path: path, body: body)
            let error = ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["error"] as? [String: Any]
            #expect(s == 404 && error?["code"] as? String == "no-route", "\(path): \(s) '\(text)'")
            #expect((error?["message"] as? String)?.contains(path) == true, "\(path): '\(text)'")
        }
        // Filters and explanations.
        let (sy, old) = try get("/v1/users/1/recommendations?n=5&year_from=1950&year_to=1990&explain=true")
        let oldItems = try #require(old["items"] as? [[String: Any]])
        #expect(sy == 200 && !oldItems.isEmpty && oldItems.allSatisfy { (1950 ... 1990).contains($0["year"] as? Int ?? 0) })
        #expect(oldItems.allSatisfy { (($0["because"] as? [[String: Any]])?.count ?? 0) == 3 })
        let (sc, japan) = try get("/v1/popular?n=3&country=Japan")
        #expect(sc == 200 && (japan["items"] as? [[String: Any]])?.count == 3)
        for (path, code) in [("/v1/users/1/recommendations?country=Atlantis", "unknown-country"),
                             ("/v1/users/1/recommendations?year_from=1990&year_to=1950", "bad-parameter"),
                             ("/v1/users/1/recommendations?year_from=soon", "bad-parameter")] {
            let (s, body) = try get(path)
            #expect(s == 400 && (body["error"] as? [String: Any])?["code"] as? String == code, "\(path)")
        }
        // Fold-in: someone new, from their ratings, with no retraining.
        func post(_ path: String, _ text: String, type: String = "application/json") throws -> (Int, [String: Any]) {
            let (status, body) = try http(host: "127.0.0.1", port: port, path: path, body: Array(text.utf8), contentType: type)
            return (status, try json(body))
        }
        let (sf, folded) = try post("/v1/recommendations", #"{"ratings": [{"item": "902", "rating": 5}, {"item": "1032", "rating": 1}], "n": 4}"#)
        let foldedItems = try #require(folded["items"] as? [[String: Any]])
        #expect(sf == 200 && foldedItems.count == 4 && folded["model_version"] as? Int == 1)
        #expect(!foldedItems.contains { ["902", "1032"].contains($0["item"] as? String) })
        // Item ids may come as JSON integers too.
        let (sn, numeric) = try post("/v1/recommendations", #"{"ratings": [{"item": 902, "rating": 5}, {"item": "1032", "rating": 1}], "n": 4}"#)
        #expect(sn == 200 && (numeric["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } == foldedItems.compactMap { $0["item"] as? String })
        // Body keys are snake_case like the query parameters.
        let (sr, ranged) = try post("/v1/recommendations", #"{"ratings": [{"item": "902", "rating": 5}], "n": 5, "year_from": 1980, "year_to": 1989}"#)
        let rangedItems = try #require(ranged["items"] as? [[String: Any]])
        #expect(sr == 200 && rangedItems.count == 5 && rangedItems.allSatisfy { (1980 ... 1989).contains($0["year"] as? Int ?? 0) })
        let (sb, batch) = try post("/v1/recommendations/batch", #"{"users": ["1", "2", "3"], "n": 2}"#)
        #expect(sb == 200 && (batch["results"] as? [[String: Any]])?.count == 3)
        // With the titles user 1 rated allowed back, the top 50 changes.
        let (_, seenToo) = try post("/v1/recommendations/batch", #"{"users": ["1"], "n": 50, "exclude_seen": false}"#)
        let (_, unseenOnly) = try post("/v1/recommendations/batch", #"{"users": ["1"], "n": 50}"#)
        func firstItems(_ answer: [String: Any]) -> [String] {
            ((answer["results"] as? [[String: Any]])?.first?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        }
        #expect(firstItems(seenToo).count == 50 && firstItems(unseenOnly).count == 50)
        #expect(firstItems(seenToo) != firstItems(unseenOnly))
        for (path, text, type, status, code) in [
            ("/v1/recommendations", #"{"ratings": [{"item": "nope", "rating": 3}]}"#, "application/json", 404, "unknown-item"),
            ("/v1/recommendations", #"{"ratings": [{"item": "902", "rating": 9}]}"#, "application/json", 400, "bad-rating"),
            ("/v1/recommendations", #"{"ratings": [{"item": 902.5, "rating": 3}]}"#, "application/json", 400, "bad-body"),
            ("/v1/recommendations", #"{"ratings": []}"#, "application/json", 400, "bad-body"),
            ("/v1/recommendations", #"{"rating": 1"#, "application/json", 400, "bad-body"),
            ("/v1/recommendations", #"{"ratings": [{"item": "902", "rating": 5}]}"#, "text/plain", 400, "bad-content-type"),
            ("/v1/recommendations/batch", #"{"users": ["1", "ghost"]}"#, "application/json", 404, "unknown-user"),
            ("/v1/recommendations/batch", #"{"users": []}"#, "application/json", 400, "bad-body"),
        ] {
            let (s, body) = try post(path, text, type: type)
            #expect(s == status && (body["error"] as? [String: Any])?["code"] as? String == code, "\(path) \(text)")
        }
        let huge = "{\"ratings\": [" + String(repeating: "{\"item\": \"902\", \"rating\": 5},", count: 40_000) + "]}"
        let (sh, tooLarge) = try post("/v1/recommendations", huge)
        #expect(sh == 413 && (tooLarge["error"] as? [String: Any])?["code"] as? String == "body-too-large")
        let metrics = try http(host: "127.0.0.1", port: port, path: "/metrics").body
        #expect(metrics.contains("hb_requests") && metrics.contains("cinemesh_gateway_model_version 1"))
    }

    @Test func aNewModelIsSwappedInDuringConcurrentRequestsWithoutOneFailure() throws {
        let scratch = Scratch()
        let (gateway, port, store) = try start(scratch)
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        let lock = Lock()
        nonisolated(unsafe) var statuses: [Int: Int] = [:]
        nonisolated(unsafe) var versions = Set<Int>()
        nonisolated(unsafe) var running = true
        let clients = (0 ..< 3).map { _ in
            Thread {
                while lock.withLock({ running }) {
                    let answer = try? http(host: "127.0.0.1", port: port, path: "/v1/users/1/recommendations?n=10")
                    let version = (answer.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) } as? [String: Any])?["model_version"] as? Int
                    lock.withLock {
                        statuses[answer?.status ?? -1, default: 0] += 1
                        if let version { versions.insert(version) }
                    }
                }
            }
        }
        clients.forEach { $0.start() }
        usleep(300_000)
        let retrained = try cinemesh(["train", scratch.sub("sample"), "--factors", "8", "--epochs", "4", "--seed", "9", "--store", store])
        #expect(retrained.status == 0)
        var swapped = false
        for _ in 0 ..< 100 where !swapped {
            swapped = (try? http(host: "127.0.0.1", port: port, path: "/v1/model").body.contains("\"model_version\":2")) ?? false
            usleep(50_000)
        }
        usleep(300_000)
        lock.withLock { running = false }
        usleep(200_000)
        #expect(swapped)
        let seen = lock.withLock { (statuses, versions) }
        #expect(seen.0.keys.sorted() == [200], "every answer succeeded: \(seen.0)")
        #expect(seen.0[200, default: 0] > 20)
        #expect(seen.1 == [1, 2])
    }
}
