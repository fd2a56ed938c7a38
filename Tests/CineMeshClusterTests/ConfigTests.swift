@testable import CineMeshCluster
import Foundation
import Testing

@Suite struct ConfigTests {
    @Test func readsTheTOMLSubset() throws {
        let doc = try TOMLDocument(parsing: """
            # comment
            top = 'literal \\ kept'
            [a]
            s = "x\\ty \\"q\\""   # trailing comment
            n = 1_000
            f = 2.5
            flag = true
            list = [1, "two", false]
            [a.b]
            k = -3
            """, file: "t.toml")
        #expect(doc.entries["top"]?.value == .string("literal \\ kept"))
        #expect(doc.entries["a.s"]?.value == .string("x\ty \"q\""))
        #expect(doc.entries["a.n"]?.value == .integer(1000))
        #expect(doc.entries["a.f"]?.value == .float(2.5))
        #expect(doc.entries["a.flag"]?.value == .boolean(true))
        #expect(doc.entries["a.b.k"]?.value == .integer(-3))
        #expect(doc.entries["a.list"]?.value == .array([.integer(1), .string("two"), .boolean(false)]))
        #expect(doc.entries["a.n"]?.line == 5)
    }

    @Test func syntaxErrorsNameTheLine() {
        func error(_ text: String) -> String {
            do { _ = try TOMLDocument(parsing: text, file: "c.toml"); return "" } catch { return error.description }
        }
        #expect(error("[a]\nx = unquoted") == "c.toml:2: 'unquoted' is not a TOML value (strings need quotes)")
        #expect(error("x = \"open") == "c.toml:1: unterminated string")
        #expect(error("x = 1\nx = 2") == "c.toml:2: key 'x' is already set on line 1")
        #expect(error("[a\n") == "c.toml:1: expected ']' after the table name")
    }

    @Test func theShippedFileHoldsEveryKeyWithItsDefault() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/CineMeshClusterTests/ConfigTests.swift", with: "config/cluster.toml")
        let config = try ClusterConfig.load(file: path, environment: [:])
        #expect(config == ClusterConfig())
        let doc = try TOMLDocument(parsing: try String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(Set(doc.keys) == Set(ClusterConfig.keys.keys))
    }

    @Test func precedenceIsFileThenEnvironmentThenFlags() throws {
        let path = "/tmp/cinemesh-config-\(getpid()).toml"
        try "[heartbeat]\ninterval_ms = 500\nliveness = 4\n[log]\nlevel = \"debug\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try ClusterConfig.load(file: path, environment: ["CINEMESH_HEARTBEAT_LIVENESS": "5", "CINEMESH_HOME": "/x", "CINEMESH_LOG_LEVEL": "error"],
                                       overrides: ["log.level=warning", "worker.id=w7"])
        #expect(c.heartbeatIntervalMilliseconds == 500)
        #expect(c.heartbeatLiveness == 5)
        #expect(c.logLevel == "warning")
        #expect(c.workerId == "w7")
        #expect(c.deadAfterMilliseconds == 2500)
    }

    @Test func unknownKeysAndBadValuesAreRefusedWithTheirOrigin() throws {
        let path = "/tmp/cinemesh-config-bad-\(getpid()).toml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        func error(file: String? = nil, env: [String: String] = [:], _ overrides: [String] = []) -> String {
            if let file { try? file.write(toFile: path, atomically: true, encoding: .utf8) }
            do { _ = try ClusterConfig.load(file: file == nil ? nil : path, environment: env, overrides: overrides); return "" } catch {
                return error.description
            }
        }
        #expect(error(file: "[heartbeat]\ninterval = 5\n").hasPrefix("\(path):2: unknown key 'heartbeat.interval' (known keys: heartbeat.interval_ms"))
        #expect(error(file: "[heartbeat]\nliveness = \"3\"\n") == "\(path):2: 'heartbeat.liveness' must be an integer")
        #expect(error(file: "[transfer]\nwindow = 0\n") == "\(path):2: 'transfer.window' must be between 1 and 64, not 0")
        #expect(error(env: ["CINEMESH_WORKER_CACHE": "x"]).hasPrefix("environment variable CINEMESH_WORKER_CACHE: unknown key 'worker.cache'"))
        #expect(error(env: ["CINEMESH_HEARTBEAT_LIVENESS": "many"]) == "environment variable CINEMESH_HEARTBEAT_LIVENESS: 'heartbeat.liveness' must be an integer, not 'many'")
        #expect(error(["log.level=loud"]).hasPrefix("--set log.level=loud: 'log.level' must be one of trace"))
        #expect(error(["nonsense"]) == "--set nonsense: expected TABLE.KEY=VALUE")
        #expect(error(["worker.coordinator=localhost:7700"]) == "worker.coordinator: 'localhost:7700' is not a ZeroMQ endpoint (tcp://HOST:PORT)")
        #expect(error(["coordinator.metrics=nope"]) == "coordinator.metrics: 'nope' is not HOST:PORT")
    }

    @Test func jobSpecsReadFromTOMLAndJSON() throws {
        let toml = "/tmp/cinemesh-spec-\(getpid()).toml", json = "/tmp/cinemesh-spec-\(getpid()).json"
        defer { for p in [toml, json] { try? FileManager.default.removeItem(atPath: p) } }
        try "type = \"stats\"\ndataset = \"sample\"\n[parameters]\ntask_delay_ms = 5\n".write(toFile: toml, atomically: true, encoding: .utf8)
        #expect(try JobSpec.read(toml) == JobSpec(type: "stats", dataset: "sample", parameters: ["task_delay_ms": "5"]))
        try #"{"type": "stats", "dataset": "/d", "parameters": {}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        #expect(try JobSpec.read(json) == JobSpec(type: "stats", dataset: "/d"))
        try "type = \"stats\"\nsetting = 1\n".write(toFile: toml, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try JobSpec.read(toml) }
        try #"{"dataset": "/d"}"#.write(toFile: json, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try JobSpec.read(json) }
    }
}
