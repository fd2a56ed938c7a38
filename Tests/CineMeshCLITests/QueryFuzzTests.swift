import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation
import Testing

// Malformed queries, made by a seeded generator from valid ones, must each either succeed or be
// a `QueryError`: never a crash, never another error. First in this process (in a child process
// of the test, so that a crash fails the test instead of ending the run), then ~200 of them on a
// local cluster, which must still answer afterwards with every worker registered.

/// SplitMix64: the same queries on every run.
struct FuzzRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
}

enum QueryFuzz {
    /// Valid queries over the tiny dataset's tables (and the u1 dataset's: ratings, titles, users).
    static let seeds: [String] = [
        "SELECT count(*), avg(rating) FROM ratings",
        "SELECT user, count(*) AS n FROM ratings WHERE rating >= 3 GROUP BY user HAVING count(*) > 1 ORDER BY n DESC, user LIMIT 5",
        "SELECT t.title, avg(r.rating) FROM ratings r JOIN titles t ON r.item = t.item GROUP BY t.title ORDER BY 2 DESC",
        "SELECT genre, count(*) FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY genre",
        "SELECT u.occupation, median(r.rating), quantile_cont(r.rating, 0.25) FROM ratings r JOIN users u USING (user) GROUP BY 1",
        "SELECT DISTINCT gender FROM users ORDER BY gender DESC NULLS LAST",
        "SELECT item, title, year FROM titles WHERE year BETWEEN 1990 AND 2000 OR year IS NULL ORDER BY item LIMIT 3 OFFSET 1",
        "SELECT t.item, count(r.user) FROM titles t LEFT JOIN ratings r USING (item) GROUP BY t.item ORDER BY 1",
        "SELECT * FROM ratings r FULL OUTER JOIN titles t ON r.item = t.item ORDER BY 1, 2",
        "SELECT CASE WHEN rating > 3 THEN 'good' WHEN rating IS NULL THEN NULL ELSE 'bad' END AS b, count(*) FROM ratings GROUP BY b",
        "SELECT lower(title) || '-' || CAST(year AS TEXT), length(title), substr(title, 2, 3) FROM titles WHERE title LIKE '%a%'",
        "SELECT year(timestamp), date_trunc('month', timestamp), count(*) FROM ratings GROUP BY 1, 2",
        "SELECT count(DISTINCT item), sum(DISTINCT user), approx_count_distinct(user), approx_quantile(rating, 0.5) FROM ratings",
        "SELECT bayes_avg(rating, 10), bayes_avg(rating, 5, 3.5), var_samp(rating), stddev_pop(rating) FROM ratings GROUP BY item",
        "SELECT coalesce(year, -1), nullif(title, 'A'), abs(-3), round(2.555, 2), floor(-1.5), ceil(1.2) FROM titles",
        "SELECT user FROM ratings WHERE item IN (1, 2, 3) AND NOT (rating < 2) AND user NOT IN (9)",
        "SELECT g.tag, t.title FROM tags g RIGHT JOIN titles t USING (item) WHERE g.tag ILIKE 'f%' OR g.tag IS NULL",
        "SELECT unnest(genres) AS g, count(*) FROM titles GROUP BY g HAVING count(*) >= 1 ORDER BY count(*) DESC",
        "SELECT r.user, u.age * 2 + 1, -u.age, u.age % 7, u.age / 3 FROM ratings r JOIN users u ON r.user = u.user",
        "SELECT min(title), max(title), quantile_disc(year, 0.5) FROM titles; ",
        "SELECT \"user\", \"item\" FROM ratings ORDER BY \"user\" -- a comment",
        "SELECT CAST(rating AS INTEGER), CAST('12' AS INT), CAST(1 AS BOOLEAN), CAST(2.5 AS TEXT) FROM ratings LIMIT 2",
        "SELECT weekday(timestamp), hour(timestamp), month(timestamp), day(timestamp) FROM ratings",
        "SELECT r.* , t.* FROM ratings AS r INNER JOIN movies AS t USING (item) WHERE t.year > 1000",
    ]

    /// Words and symbols an insertion may bring in.
    static let vocabulary: [String] = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "JOIN", "LEFT", "RIGHT", "FULL", "OUTER",
        "INNER", "ON", "USING", "AS", "AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "ILIKE", "IS", "NULL", "CASE", "WHEN", "THEN",
        "ELSE", "END", "ASC", "DESC", "NULLS", "FIRST", "LAST", "DISTINCT", "CAST", "TRUE", "FALSE", "CROSS", "ALL",
        "(", ")", ",", ".", ";", "*", "+", "-", "/", "%", "=", "<>", "!=", "<", "<=", ">", ">=", "||",
        "ratings", "titles", "users", "tags", "movies", "user", "item", "rating", "timestamp", "title", "year", "genres", "genre",
        "age", "gender", "occupation", "tag", "count", "sum", "avg", "min", "max", "median", "unnest", "coalesce", "substr",
        "quantile_cont", "quantile_disc", "approx_quantile", "bayes_avg", "date_trunc", "r", "t", "u", "r.user", "t.item", "u.age",
        "0", "1", "-1", "2.5", "1e308", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "0.0000001",
        "'a'", "''", "'it''s'", "'%'", "\"user\"", "\"\"", "'\u{1F600}'", "é", "--", "/*", "\\", "`", "#", "$", "@", "?", "[", "]",
    ]

    /// Splits a query into rough tokens (quoted strings and names kept whole).
    static func tokens(_ q: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        func flush() {
            if !current.isEmpty { out.append(current) }
            current = ""
        }
        for c in q {
            if let qc = quote {
                current.append(c)
                if c == qc { quote = nil; flush() }
            } else if c == "'" || c == "\"" {
                flush()
                quote = c
                current.append(c)
            } else if c.isWhitespace {
                flush()
            } else if "(),;*+-/%=<>|".contains(c) {
                flush()
                out.append(String(c))
            } else {
                current.append(c)
            }
        }
        flush()
        return out
    }

    static func nested(_ depth: Int, _ inner: String, _ open: String, _ close: String) -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    /// Expressions nested `depth` deep in several ways.
    static func deep(_ depth: Int, _ r: inout FuzzRandom) -> String {
        switch r.below(7) {
        case 0: return "SELECT " + nested(depth, "1", "(", ")") + " FROM ratings"
        case 1: return "SELECT count(*) FROM ratings WHERE " + String(repeating: "NOT ", count: depth) + "rating > 1"
        case 2: return "SELECT " + nested(depth, "rating", "abs(", ")") + " FROM ratings"
        case 3: return "SELECT " + nested(depth, "1", "- (", ")") + " FROM titles"
        case 4: return "SELECT " + nested(depth, "year", "CASE WHEN TRUE THEN ", " END") + " FROM titles"
        case 5: return "SELECT count(*) FROM ratings WHERE " + nested(depth, "rating > 2", "(", " AND user > 0)")
        default: return "SELECT " + nested(depth, "title", "coalesce(", ", 'x')") + " FROM titles"
        }
    }

    /// A long left-deep chain of binary operators (no parentheses at all).
    static func chain(_ terms: Int, _ r: inout FuzzRandom) -> String {
        let op = r.pick([" + ", " * ", " AND ", " OR ", " || ", " - "])
        let term = op == " AND " || op == " OR " ? "rating > 1" : (op == " || " ? "title" : "1")
        let from = term == "title" ? "titles" : "ratings"
        return "SELECT count(*) FROM \(from) WHERE " + (term == "rating > 1" ? Array(repeating: term, count: terms).joined(separator: op)
            : "(" + Array(repeating: term, count: terms).joined(separator: op) + ") IS NOT NULL")
    }

    /// The malformed queries: mutations of the seeds, every truncation of every seed, random bytes
    /// and unicode, huge numbers and unterminated strings and names. Deep nesting comes apart
    /// (`deepQueries`), so that a stack overflow there is reported on its own.
    static func malformed(seed: UInt64 = 2024) -> [String] {
        var r = FuzzRandom(state: seed)
        var out: [String] = []
        for q in seeds {
            for cut in 0 ..< q.count { out.append(String(q.prefix(cut))) }
        }
        for _ in 0 ..< 1600 {
            var t = tokens(r.pick(seeds))
            for _ in 0 ..< 1 + r.below(3) {
                guard !t.isEmpty else { break }
                switch r.below(5) {
                case 0: t.remove(at: r.below(t.count))
                case 1: t.insert(r.pick(vocabulary), at: r.below(t.count + 1))
                case 2:
                    let a = r.below(t.count), b = r.below(t.count)
                    t.swapAt(a, b)
                case 3:
                    let a = r.below(t.count), n = 1 + r.below(min(4, t.count - a))
                    t.insert(contentsOf: t[a ..< a + n], at: a + n)
                default: t[r.below(t.count)] = r.pick(vocabulary)
                }
            }
            out.append(t.joined(separator: r.chance(0.1) ? "" : " "))
        }
        for _ in 0 ..< 150 {
            let bytes = (0 ..< r.below(60)).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            out.append(String(decoding: bytes, as: UTF8.self))
            var scalars = String.UnicodeScalarView()
            for _ in 0 ..< r.below(30) {
                if let s = Unicode.Scalar(UInt32(r.below(0x10FFFF))) { scalars.append(s) }
            }
            out.append(r.pick(["SELECT ", "SELECT count(*) FROM ratings WHERE title = ", ""]) + String(scalars))
        }
        let huge = ["99999999999999999999999", "1e309", "-1e400", "123456789012345678901234567890.5", "0x10", "1e", "1.e5", ".5e-400",
                    "9223372036854775807 + 1", "-9223372036854775808 - 1", "9223372036854775807 * 2", "-(-9223372036854775808)",
                    "abs(-9223372036854775808)", "CAST(1e300 AS INTEGER)", "round(1.5, 400)", "round(12, -400)", "substr('abc', -9223372036854775808, 9223372036854775807)",
                    "substr('abc', 9223372036854775807)", "1 % 0", "1.0 / 0", "CAST('9999999999999999999' AS INT)"]
        for h in huge {
            out.append("SELECT \(h) FROM titles")
            out.append("SELECT count(*) FROM ratings WHERE rating > \(h)")
            out.append("SELECT item FROM titles LIMIT \(h)")
        }
        for s in ["'abc", "\"user", "'it''s", "'", "\"", "''''", "'\\'", "\"\"\""] {
            out.append("SELECT \(s) FROM ratings")
            out.append("SELECT count(*) FROM ratings WHERE title = \(s)")
        }
        return out
    }

    /// Deeply nested expressions, up to a few hundred levels, and long operator chains.
    static func deepQueries(seed: UInt64 = 77) -> [String] {
        var r = FuzzRandom(state: seed)
        var out: [String] = []
        for depth in [1, 2, 8, 32, 64, 100, 127, 128, 129, 150, 200, 255, 256, 257, 300, 400, 1000, 5000] {
            for _ in 0 ..< 3 { out.append(deep(depth, &r)) }
        }
        for terms in [10, 100, 300, 500, 1000, 3000] { out.append(chain(terms, &r)) }
        return out
    }

    /// Runs `sql` through parse, bind and execution (two blocks and the merge) over the tiny
    /// dataset: nil when it succeeded or threw a QueryError, else what went wrong.
    static func check(_ sql: String, tables: QueryTables, blocks: [RatingBlock]) -> String? {
        do {
            let executor = try QueryExecutor(sql, tables: tables)
            var merger = QueryMerger(executor)
            if executor.plan.shardedSource == nil {
                try merger.add(try executor.partial(block: nil))
            } else {
                for b in blocks {
                    let p = try executor.partial(block: QueryBlock(b))
                    try merger.add(try executor.decodePartial(p.encoded()))
                }
                if executor.keepsUnmatchedRows { try merger.add(try executor.unmatchedPartial(matched: merger.matched)) }
            }
            let result = try merger.finish()
            _ = try result.rendered(.json)
            _ = try result.rendered(.table)
            return nil
        } catch is QueryError {
            return nil
        } catch {
            return "\(type(of: error)): \(error)"
        }
    }

    /// A dataset of a few rows with every table, NULLs, empty lists, and two rating blocks.
    static func tinyDataset() -> (QueryTables, [RatingBlock]) {
        let catalog = ColumnTable(columns: [
            .init("item", .string(["1", "2", "3", "4"])), .init("title", .string(["A", "b", "", "Ünï"])),
            .init("year", .int([1995, nil, 2001, 1980])), .init("genres", .stringList([["Drama"], [], ["Comedy", "Drama"], [""]])),
        ])
        let users = ColumnTable(columns: [
            .init("user", .string(["1", "2", "3"])), .init("age", .int([20, nil, 40])), .init("gender", .string(["F", "", "M"])),
            .init("occupation", .string(["student", "writer", "none"])),
        ])
        let tags = ColumnTable(columns: [
            .init("user", .string(["1", "3"])), .init("item", .string(["2", "9"])), .init("tag", .string(["funny", ""])),
            .init("timestamp", .int([5, nil])),
        ])
        let users3 = IdMap(ids: [.int(1), .int(2), .int(3)])
        let items4 = IdMap(ids: [.int(1), .int(2), .int(3), .int(4)])
        let tables = QueryTables(users: users3, items: items4, catalog: catalog, userAttributes: users, tags: tags, hasTimestamps: true)
        let a = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 4, users: [0, 0, 1], items: [0, 1, 1],
                            ratings: [4, 5, 3], timestamps: [0, 86_400 * 365, -86_400])
        let b = RatingBlock(row: 1, column: 0, userRange: 2 ..< 3, itemRange: 0 ..< 4, users: [2, 2], items: [0, 2],
                            ratings: [1, 2.5], timestamps: [Int64.max / 4, 1_700_000_000])
        return (tables, [a, b])
    }

    /// Checks every query; prints the failures and returns how many.
    static func run(_ queries: [String]) -> Int {
        let (tables, blocks) = tinyDataset()
        var failures = 0
        for q in queries {
            if let problem = check(q, tables: tables, blocks: blocks) {
                failures += 1
                print("FUZZ FAILURE: \(q.debugDescription): \(problem)")
            }
        }
        return failures
    }
}

/// Files through which a child process (an exit test) and its parent talk: the parent writes the
/// index to start from, the child notes each query's index before running it (so that after a
/// crash the parent knows which query it was). Named by the parent test process's id.
func fuzzFile(_ label: String, _ kind: String, parent: Int32) -> String { "/tmp/cinemesh-fuzz-\(parent)-\(label).\(kind)" }

extension QueryFuzz {
    static func queries(_ label: String) -> [String] {
        switch label {
        case "deep": return deepQueries()
        case "crashers": return crashers
        default: return malformed()
        }
    }

    /// Queries that crashed the engine once, each a minimal repro: they must now succeed or be a
    /// QueryError.
    static let crashers: [String] = [
        "SELECT 1",
        "SELECT c",
        "SELECT count(*), avg(rating)",
        "SELECT unnest(genres) AS g, count(*) FROM titles",
        "SELECT year, unnest(genres) FROM titles GROUP BY year",
        "SELECT count(*) FROM titles ORDER BY unnest(genres)",
        "SELECT count(*) FROM ratings JOIN titles USING (item) HAVING unnest(genres) = 'Drama'",
        "SELECT " + nested(1000, "1", "(", ")") + " FROM titles",
        "SELECT count(*) FROM ratings WHERE " + Array(repeating: "rating > 1", count: 3000).joined(separator: " AND "),
        "SELECT " + Array(repeating: "1", count: 1000).joined(separator: " + ") + " FROM titles",
    ]

    /// In the child: runs the queries from the index the parent wrote, noting each one first.
    static func runLogged(label: String) -> Never {
        let parent = getppid()
        let start = Int((try? String(contentsOfFile: fuzzFile(label, "start", parent: parent), encoding: .utf8)) ?? "0") ?? 0
        let path = fuzzFile(label, "log", parent: parent)
        FileManager.default.createFile(atPath: path, contents: nil)
        let log = FileHandle(forWritingAtPath: path)!
        let (tables, blocks) = tinyDataset()
        var failures = 0
        for (i, q) in queries(label).enumerated().dropFirst(start) {
            log.write(Data("RUNNING \(i)\n".utf8))
            if let problem = check(q, tables: tables, blocks: blocks) {
                failures += 1
                log.write(Data("FAILURE \(q.debugDescription): \(problem)\n".utf8))
            }
        }
        log.write(Data("DONE \(failures)\n".utf8))
        try? log.close()
        exit(0)
    }

    /// In the parent: runs the child again past each query that crashed it, and records every
    /// crash and every non-QueryError failure as an issue.
    static func fuzzInChildProcesses(_ label: String, maximumCrashes: Int = Int(ProcessInfo.processInfo.environment["QUERY_FUZZ_MAX_CRASHES"] ?? "") ?? 12) async {
        let all = queries(label)
        var start = 0
        var crashes = 0
        defer {
            try? FileManager.default.removeItem(atPath: fuzzFile(label, "start", parent: getpid()))
            try? FileManager.default.removeItem(atPath: fuzzFile(label, "log", parent: getpid()))
        }
        while start < all.count {
            try? String(start).write(toFile: fuzzFile(label, "start", parent: getpid()), atomically: true, encoding: .utf8)
            // The child exits 0 unless it crashed; its log tells which query did.
            if label == "deep" {
                await #expect(processExitsWith: .success) { QueryFuzz.runLogged(label: "deep") }
            } else if label == "crashers" {
                await #expect(processExitsWith: .success) { QueryFuzz.runLogged(label: "crashers") }
            } else {
                await #expect(processExitsWith: .success) { QueryFuzz.runLogged(label: "malformed") }
            }
            let lines = ((try? String(contentsOfFile: fuzzFile(label, "log", parent: getpid()), encoding: .utf8)) ?? "").split(separator: "\n")
            for f in lines where f.hasPrefix("FAILURE") { Issue.record(Comment(rawValue: "not a QueryError: \(f.dropFirst(8))")) }
            if lines.last?.hasPrefix("DONE") == true { return }
            guard let last = lines.last(where: { $0.hasPrefix("RUNNING ") }), let i = Int(last.dropFirst(8)) else {
                Issue.record("the fuzz child process died before its first query")
                return
            }
            crashes += 1
            Issue.record(Comment(rawValue: "query \(i) crashed the process: \(all[i].prefix(300).debugDescription)\(all[i].count > 300 ? "… (\(all[i].count) characters)" : "")"))
            if crashes >= maximumCrashes {
                Issue.record("stopped after \(crashes) crashes at query \(i) of \(all.count)")
                return
            }
            start = i + 1
        }
    }
}

@Suite struct QueryFuzzTests {
    @Test func theGeneratorMakesThousandsOfDistinctQueries() {
        let m = QueryFuzz.malformed()
        #expect(m.count >= 3000)
        #expect(Set(m).count >= 2500)
        #expect(m == QueryFuzz.malformed(), "seeded: the same queries every run")
        #expect(QueryFuzz.deepQueries().count >= 50)
    }

    /// Each query through parse, bind, execution and merge in a child process, so that a crash
    /// fails this test (naming the query) and the rest still run.
    @Test func malformedQueriesSucceedOrThrowQueryErrorsInProcess() async {
        await QueryFuzz.fuzzInChildProcesses("malformed")
    }

    /// Each query that once crashed the engine, on its own.
    @Test func queriesThatCrashedTheEngineNoLongerDo() async {
        await QueryFuzz.fuzzInChildProcesses("crashers", maximumCrashes: QueryFuzz.crashers.count)
    }

    /// Deep nesting (up to 5000 levels) and long operator chains must be refused or evaluated,
    /// never overflow the stack.
    @Test func deeplyNestedQueriesSucceedOrThrowQueryErrorsInProcess() async {
        await QueryFuzz.fuzzInChildProcesses("deep")
    }
}

/// ~200 of the malformed queries (and the deep ones) submitted to one local cluster as query jobs,
/// straight to the coordinator (no check in the client first): each is refused, fails or succeeds,
/// and afterwards the coordinator still answers, both workers are still registered, and a valid
/// query still gives the one-process answer.
@Suite(.serialized, .enabled(if: cliSharedData != nil, "../shared/data is absent"))
struct QueryClusterFuzzTests {
    static func sample() -> [String] {
        let malformed = QueryFuzz.malformed()
        let step = malformed.count / 180
        return stride(from: 0, to: malformed.count, by: step).map { malformed[$0] } + QueryFuzz.deepQueries().filter { $0.count < 20_000 }.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
    }

    @Test func aClusterSurvivesMalformedQueries() throws {
        let scratch = Scratch()
        let dataset = try ingestU1(scratch.path)
        let env = ["CINEMESH_HOME": scratch.sub("home")]
        let up = try cinemesh(["up", "--workers", "2"] + QueryClusterTests.fast, environment: env)
        try #require(up.status == 0, "\(up.stderr)")
        defer { stopLocalCluster(home: scratch.sub("home")) }
        let endpoint = try #require(LocalCluster.running(in: scratch.sub("home/cluster"))?.endpoints.clients)
        let client = try ClusterClient(endpoint: endpoint, timeoutMilliseconds: 3000)
        let queries = Self.sample()
        #expect(queries.count >= 190)
        var outcomes: [String: Int] = [:]
        for (i, sql) in queries.enumerated() {
            let record: JobRecord
            do {
                record = try client.submit(JobSpec(type: "query", dataset: dataset, parameters: ["sql": sql]))
            } catch let e as ClusterClient.Failure where e.code != "timeout" {
                outcomes["refused", default: 0] += 1
                continue
            } catch {
                // No answer: the coordinator is gone (or stuck). Nothing after this can work.
                let alive = LocalCluster.running(in: scratch.sub("home/cluster")) != nil
                Issue.record(Comment(rawValue: "query \(i) got no answer from the coordinator (\(alive ? "still running" : "the coordinator process is gone")): \(sql.prefix(300).debugDescription)"))
                break
            }
            var state = record.state
            let deadline = Date().addingTimeInterval(30)
            while !state.isFinal && Date() < deadline {
                usleep(20_000)
                guard let s = try? client.status(record.id) else {
                    let alive = LocalCluster.running(in: scratch.sub("home/cluster")) != nil
                    Issue.record(Comment(rawValue: "query \(i) (job \(record.id)): the coordinator stopped answering (\(alive ? "still running" : "the coordinator process is gone")): \(sql.prefix(300).debugDescription)"))
                    return
                }
                state = s.state
            }
            if !state.isFinal { Issue.record("query \(i) (job \(record.id)) did not finish in 30 s: \(sql.prefix(300).debugDescription)") }
            outcomes[state.rawValue, default: 0] += 1
        }
        print("cluster fuzz outcomes: \(outcomes.sorted { $0.key < $1.key })")
        // The coordinator still answers, every worker is registered, a valid query is still right.
        let workers = try cinemesh(["workers", "--set", "client.timeout_ms=3000"], environment: env)
        #expect(workers.status == 0, "\(workers.stderr)")
        #expect(workers.stdout.contains("local-1") && workers.stdout.contains("local-2"), "\(workers.stdout)")
        let registered = try client.workers()
        #expect(registered.count == 2, "\(registered.map(\.workerId))")
        let sql = "SELECT genre, count(*), avg(rating) FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY genre"
        let here = try cinemesh(["query", dataset, sql, "--format", "json"])
        let there = try cinemesh(["query", dataset, sql, "--format", "json", "--cluster", "--set", "client.timeout_ms=3000"], timeout: 60, environment: env)
        #expect(there.status == 0 && there.stdout == here.stdout, "\(there.stderr)")
    }
}
