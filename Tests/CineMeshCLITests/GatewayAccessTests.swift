import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// The gateway's access rules over real HTTP: a bearer token for the routes that run work, a
/// per-client rate limit on the public ones.
@Suite(.serialized) struct GatewayAccessTests {
    @Test func queriesNeedTheTokenAndPublicRoutesAreRateLimitedPerClient() throws {
        let scratch = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let ds = scratch.sub("sample"), store = scratch.sub("models")
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", ds]).status == 0)
        #expect(try cinemesh(["train", ds, "--factors", "4", "--epochs", "1", "--store", store]).status == 0)
        let token = "0123456789abcdef0123456789abcdef"
        let tokenFile = scratch.file("token", token + "\n")
        chmod(tokenFile, 0o644)
        let loose = try cinemesh(["gateway", "--models", store, "--port", "0", "--set", "gateway.token_file=\(tokenFile)"], timeout: 20)
        #expect(loose.status == 64 && loose.stderr.contains("token: the token is readable by others (mode 644): run chmod 600 on it"), "\(loose.stderr)")
        chmod(tokenFile, 0o600)
        let (gateway, port) = try spawnGateway(["--models", store, "--set", "gateway.token_file=\(tokenFile)",
                                                "--set", "gateway.rate_limit=2", "--set", "gateway.rate_burst=5"], log: scratch.sub("gateway.log"))
        defer { gateway.signal(SIGTERM); _ = gateway.waitForExit(milliseconds: 5000) }
        let query = Array(#"{"sql": "SELECT 1", "dataset": "sample"}"#.utf8)
        let anonymous = try httpResponse(host: "127.0.0.1", port: port, path: "/v1/query", body: query)
        #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate") == "Bearer" && anonymous.body.contains("\"unauthorized\""), "\(anonymous)")
        let wrong = try httpResponse(host: "127.0.0.1", port: port, path: "/v1/query", body: query, headers: ["Authorization": "Bearer " + token.dropLast() + "0"])
        #expect(wrong.status == 401)
        // With the token the request reaches the route (this gateway follows no coordinator).
        let allowed = try httpResponse(host: "127.0.0.1", port: port, path: "/v1/query", body: query, headers: ["Authorization": "Bearer " + token])
        #expect(allowed.status == 503 && allowed.body.contains("query-unavailable"), "\(allowed)")
        // Five at once, then 429 with the seconds to wait; health checks are never limited.
        let statuses = try (0 ..< 6).map { _ in try httpResponse(host: "127.0.0.1", port: port, path: "/v1/popular?n=1") }
        #expect(statuses.prefix(5).allSatisfy { $0.status == 200 }, "\(statuses.map(\.status))")
        #expect(statuses[5].status == 429 && statuses[5].header("Retry-After") == "1" && statuses[5].body.contains("rate-limited"), "\(statuses[5])")
        #expect(try http(host: "127.0.0.1", port: port, path: "/healthz").status == 200)
        usleep(1_100_000)
        #expect(try http(host: "127.0.0.1", port: port, path: "/v1/popular?n=1").status == 200)
    }

    @Test func aGatewayAnsweringQueriesOffLoopbackNeedsAToken() throws {
        let scratch = Scratch()
        try FileSystem.makeDirectories(scratch.sub("models"))
        let open = try cinemesh(["gateway", "--models", scratch.sub("models"), "--host", "0.0.0.0", "--port", "0",
                                 "--coordinator", "tcp://127.0.0.1:1"], timeout: 20)
        #expect(open.status == 64 && open.stderr.contains("gateway.token_file: a gateway on 0.0.0.0 that answers /v1/query needs a bearer token file"),
                "\(open.stderr)")
    }
}
