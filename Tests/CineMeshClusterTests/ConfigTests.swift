@testable import CineMeshCluster
import Foundation
import Testing

@Suite struct ConfigTests {
    @Test func readsAnyTOMLFlattenedToDottedKeysWithTheirLines() throws {
        let doc = try TOMLDocument(parsing: #"""
            # comment
            top = 'literal \ kept'
            [a]
            s = "x\ty \"q\""   # trailing comment
            n = 1_000
            f = 2.5
            flag = true
            list = [1, "two", false]
            [a.b]
            k = -3
            [inline]
            t = { x = 1, y = "z" }
            dotted.deep.key = 0x10
            text = """
            two = lines
            """
            when = 1979-05-27T07:32:00Z
            day = 1979-05-27
            nested = [
              [1, 2],
              { k = "v" },
            ]
            after = 'line 23'
            [[servers]]
            name = "alpha"
            [[servers]]
            name = "beta"
            """#, file: "t.toml")
        #expect(doc.entries["top"]?.value == .string("literal \\ kept"))
        #expect(doc.entries["a.s"]?.value == .string("x\ty \"q\""))
        #expect(doc.entries["a.n"]?.value == .integer(1000))
        #expect(doc.entries["a.f"]?.value == .float(2.5))
        #expect(doc.entries["a.flag"]?.value == .boolean(true))
        #expect(doc.entries["a.b.k"]?.value == .integer(-3))
        #expect(doc.entries["a.list"]?.value == .array([.integer(1), .string("two"), .boolean(false)]))
        #expect(doc.entries["inline.t.x"]?.value == .integer(1) && doc.entries["inline.t.y"]?.value == .string("z"))
        #expect(doc.entries["inline.dotted.deep.key"]?.value == .integer(16))
        #expect(doc.entries["inline.text"]?.value == .string("two = lines\n"))
        #expect(doc.entries["inline.when"]?.value == .dateTime("1979-05-27T07:32:00Z"))
        #expect(doc.entries["inline.day"]?.value == .dateTime("1979-05-27"))
        #expect(doc.entries["inline.nested"]?.value == .array([.array([.integer(1), .integer(2)]), .table(["k": .string("v")])]))
        #expect(doc.entries["servers"]?.value == .array([.table(["name": .string("alpha")]), .table(["name": .string("beta")])]))
        // Lines: keys as written, inline tables by their key, nothing taken from inside strings or arrays.
        let lines = ["top": 2, "a.s": 4, "a.n": 5, "a.b.k": 10, "inline.t.x": 12, "inline.t.y": 12, "inline.dotted.deep.key": 13,
                     "inline.text": 14, "inline.when": 17, "inline.nested": 19, "inline.after": 23, "servers": 24]
        for (key, line) in lines { #expect(doc.entries[key]?.line == line, "\(key)") }
        let order = doc.keys.map { doc.entries[$0]!.line! }
        #expect(doc.keys.first == "top" && doc.keys.last == "servers" && order == order.sorted())
        #expect(doc.origin(of: "a.n") == "t.toml:5")
        // A key the scan cannot place (a quoted key with an escape) is named by its file alone.
        let escaped = try TOMLDocument(parsing: #""a\"b" = 1"#, file: "t.toml")
        #expect(escaped.entries["a\"b"]?.line == nil && escaped.origin(of: "a\"b") == "t.toml")
    }

    @Test func syntaxErrorsNameTheLine() {
        func error(_ text: String) -> String {
            do { _ = try TOMLDocument(parsing: text, file: "c.toml"); return "" } catch { return error.description }
        }
        for (text, line) in [("[a]\nx = unquoted", 2), ("x = \"open", 1), ("x = 1\nx = 2", 2), ("[a\n", 1), ("\n\nk = [1,\n2,,]", 4)] {
            #expect(error(text).hasPrefix("c.toml:\(line): "), "\(text): \(error(text))")
        }
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
        // CINEMESH_GATEWAY_PORT, which the quick start documents, is a key like the others.
        let c = try ClusterConfig.load(file: path, environment: ["CINEMESH_HEARTBEAT_LIVENESS": "5", "CINEMESH_HOME": "/x", "CINEMESH_LOG_LEVEL": "error",
                                                                  "CINEMESH_GATEWAY_PORT": "18080"],
                                       overrides: ["log.level=warning", "worker.id=w7"])
        #expect(c.gatewayPort == 18080)
        #expect(c.heartbeatIntervalMilliseconds == 500)
        #expect(c.heartbeatLiveness == 5)
        #expect(c.logLevel == "warning")
        #expect(c.workerId == "w7")
        #expect(c.deadAfterMilliseconds == 2500)
        // Any TOML spelling of the same keys.
        try "heartbeat.interval_ms = 500\nlog = { level = \"debug\" }\n[worker]\nid = \"\"\"w7\"\"\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let d = try ClusterConfig.load(file: path, environment: [:])
        #expect(d.heartbeatIntervalMilliseconds == 500 && d.logLevel == "debug" && d.workerId == "w7")
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
        #expect(error(file: "# inline\nheartbeat = { liveness = \"3\" }\n") == "\(path):2: 'heartbeat.liveness' must be an integer")
        #expect(error(file: "[coordinator]\nmetrics = 1979-05-27\n") == "\(path):2: 'coordinator.metrics' must be a string (in quotes)")
        #expect(error(file: "[log]\n[[worker]]\nid = \"x\"\n").hasPrefix("\(path):2: unknown key 'worker' (known keys: worker.cache_dir"))
        #expect(error(file: "[a\n") == "\(path):1: Error while parsing table header: expected ']', saw '\\n'")
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
        try "type = \"stats\"\ndataset = \"sample\"\nparameters = { task_delay_ms = 5, since = 2024-01-31, rate = 0.5 }\n"
            .write(toFile: toml, atomically: true, encoding: .utf8)
        #expect(try JobSpec.read(toml).parameters == ["task_delay_ms": "5", "since": "2024-01-31", "rate": "0.5"])
        try #"{"type": "stats", "dataset": "/d", "parameters": {}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        #expect(try JobSpec.read(json) == JobSpec(type: "stats", dataset: "/d"))
        try "type = \"stats\"\nsetting = 1\n".write(toFile: toml, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try JobSpec.read(toml) }
        try #"{"dataset": "/d"}"#.write(toFile: json, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try JobSpec.read(json) }
    }

    /// A JSON spec file names what is wrong with it: a missing type or dataset, a key no spec
    /// has (a typo is not dropped silently), a value of the wrong kind.
    @Test func jobSpecFilesNameTheirBadFields() throws {
        let json = "/tmp/cinemesh-spec-bad-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        func problem(_ text: String) throws -> String? {
            try text.write(toFile: json, atomically: true, encoding: .utf8)
            do { _ = try JobSpec.read(json); return nil } catch let error as ConfigError { return error.message }
        }
        #expect(try problem(#"{"dataset": "/d"}"#) == "the spec has no 'type'")
        #expect(try problem(#"{"type": "stats"}"#) == "the spec has no 'dataset'")
        #expect(try problem(#"{"type": "stats", "dataset": "/d", "parameter": {"task_delay_ms": "5"}}"#)
            == "unknown key 'parameter' (a spec has type, dataset and parameters)")
        #expect(try problem(#"{"type": "stats", "dataset": "/d", "parameters": {"task_delay_ms": 5}}"#) == "parameter 'task_delay_ms' must be a string")
        #expect(try problem(#"{"type": 3, "dataset": "/d"}"#) == "'type' must be a string")
        #expect(try problem(#"{"type": "stats", "dataset": "/d", "parameters": {"task_delay_ms": "5"}}"#) == nil)
    }
}
