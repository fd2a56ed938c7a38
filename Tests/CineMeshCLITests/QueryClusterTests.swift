import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// `../shared/data` beside the repository, or `CINEMESH_SHARED_DATA`; nil when absent.
let cliSharedData: String? = {
    if let env = ProcessInfo.processInfo.environment["CINEMESH_SHARED_DATA"], !env.isEmpty {
        return FileManager.default.fileExists(atPath: env) ? env : nil
    }
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0 ..< 3 { root = root.deletingLastPathComponent() }
    let p = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    return FileManager.default.fileExists(atPath: p) ? p : nil
}()

/// MovieLens 100K's u1.test (20,000 ratings) with its catalog and users: titles without ratings,
/// users, timestamps. Ingested by the CLI into `dir`.
func ingestU1(_ dir: String) throws -> String {
    let root = cliSharedData ?? ""
    let out = dir + "/u1"
    let r = try cinemesh(["ingest", root + "/ml-100k/u1.test", root + "/ml-100k/u.item", root + "/ml-100k/u.user", "--out", out])
    guard r.status == 0 else { throw JobError("ingest failed: \(r.stderr)") }
    return out
}

/// `cinemesh down`, then, should the coordinator have died (then `down` finds no cluster and
/// leaves the workers running), the workers, by the pids in the cluster's state file.
func stopLocalCluster(home: String) {
    // Read first: `down` forgets the state of a cluster whose coordinator is gone.
    let cluster = FileManager.default.contents(atPath: home + "/cluster/" + LocalCluster.stateFile)
        .flatMap { try? JSONDecoder().decode(LocalCluster.self, from: $0) }
    _ = try? cinemesh(["down"], environment: ["CINEMESH_HOME": home])
    guard let cluster else { return }
    let left = cluster.workers.filter(\.isAlive)
    for w in left { w.signal(SIGTERM) }
    for w in left where !w.waitForExit(milliseconds: 5000) { w.signal(SIGKILL) }
}

/// The queries a cluster must answer with the very bytes of one process.
let clusterQueries: [String] = [
    "SELECT u.occupation, count(*) AS n, avg(r.rating) AS mean FROM ratings r JOIN users u USING (user) GROUP BY u.occupation ORDER BY n DESC, u.occupation",
    "SELECT user, item, rating FROM ratings ORDER BY timestamp DESC, user, item LIMIT 20",
    "SELECT t.item, t.title, count(r.rating) AS n FROM titles t LEFT JOIN ratings r USING (item) GROUP BY t.item, t.title ORDER BY n, t.item LIMIT 25",
    "SELECT t.item, t.title, r.rating FROM ratings r RIGHT JOIN titles t USING (item) WHERE t.item > 1600 ORDER BY t.item, r.rating",
    "SELECT gender, count(DISTINCT r.item), count(DISTINCT r.user), count(*) FROM ratings r JOIN users u USING (user) GROUP BY gender ORDER BY gender",
    "SELECT genre, median(rating), quantile_cont(rating, 0.9), quantile_disc(rating, 0.25) FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY genre",
    "SELECT item, count(*) AS n, avg(rating) FROM ratings GROUP BY item HAVING count(*) >= 40 ORDER BY n DESC, item",
    "SELECT count(*), sum(rating), avg(rating), stddev_samp(rating), var_pop(rating), bayes_avg(rating, 3), approx_count_distinct(item), approx_quantile(rating, 0.5) FROM ratings",
    "SELECT count(*), count(r.user), count(t.title), sum(r.rating) FROM ratings r FULL JOIN titles t USING (item)",
    "SELECT year, count(*) FROM titles GROUP BY year ORDER BY year DESC NULLS LAST LIMIT 10",
    "SELECT date_trunc('month', timestamp) AS m, count(*), avg(rating) FROM ratings GROUP BY m ORDER BY m",
    "SELECT DISTINCT u.gender, r.rating FROM ratings r JOIN users u USING (user) ORDER BY 1, 2",
]

@Suite(.serialized, .enabled(if: cliSharedData != nil, "../shared/data is absent"))
struct QueryClusterTests {
    static let fast = ["--set", "heartbeat.interval_ms=200", "--set", "heartbeat.reconnect_initial_ms=200"]

    /// Each query's JSON from one process (`cinemesh query`) equals, byte for byte, what clusters of
    /// 1, 2 and 3 workers print: one `up` per worker count, every query through `--cluster`.
    @Test func clustersOfOneTwoAndThreeWorkersPrintTheBytesOfOneProcess() throws {
        let scratch = Scratch()
        let dataset = try ingestU1(scratch.path)
        var expected: [String] = []
        for sql in clusterQueries {
            let r = try cinemesh(["query", dataset, sql, "--format", "json"])
            #expect(r.status == 0, "\(sql): \(r.stderr)")
            expected.append(r.stdout)
            // The same bytes as the library's result in this process.
            let local = try LocalQuery.run(sql, dataset: try Dataset(path: dataset))
            #expect(r.stdout == (try local.rendered(.json)), "\(sql)")
            #expect(!local.rows.isEmpty, "\(sql) returned no rows: the comparison would be weak")
        }
        for workers in 1 ... 3 {
            let env = ["CINEMESH_HOME": scratch.sub("home-\(workers)")]
            let up = try cinemesh(["up", "--workers", String(workers)] + Self.fast, environment: env)
            #expect(up.status == 0, "\(up.stderr)")
            defer { stopLocalCluster(home: scratch.sub("home-\(workers)")) }
            for (sql, want) in zip(clusterQueries, expected) {
                let r = try cinemesh(["query", dataset, sql, "--format", "json", "--cluster"], timeout: 60, environment: env)
                #expect(r.status == 0, "\(workers) workers: \(sql): \(r.stderr)")
                #expect(r.stdout == want, "\(workers) workers: \(sql)\n\(r.stdout.prefix(600))\nexpected\n\(want.prefix(600))")
            }
            if workers == 2 {
                // A bad query through the cluster: exit code 1, nothing on stdout, one line on stderr.
                let bad = try cinemesh(["query", dataset, "SELECT a FORM ratings", "--cluster"], environment: env)
                #expect(bad.status == 1 && bad.stdout.isEmpty, "\(bad.stdout)\(bad.stderr)")
                #expect(bad.stderr == "cinemesh: error: query:1:10: expected FROM, found 'FORM'\n", "\(bad.stderr)")
            }
        }
        // --local N starts and stops a throwaway cluster itself: once, for the plain ORDER BY LIMIT.
        let throwaway = try cinemesh(["query", dataset, clusterQueries[1], "--format", "json", "--local", "2"] + Self.fast,
                                     timeout: 60, environment: ["CINEMESH_HOME": scratch.sub("home-local")])
        #expect(throwaway.status == 0, "\(throwaway.stderr)")
        #expect(throwaway.stdout == expected[1])
    }

    /// A bad query in one process: exit code 1, nothing on stdout, exactly one line on stderr.
    @Test func aBadQueryIsOneLineOnStderrAndExitCodeOne() throws {
        let scratch = Scratch()
        let dataset = try ingestU1(scratch.path)
        for (sql, message) in [
            ("SELECT a FORM ratings", "query:1:10: expected FROM, found 'FORM'"),
            ("SELECT nope FROM ratings", "query:1:8: no column 'nope' (ratings: user, item, rating, timestamp)"),
            ("SELECT item FROM ratings r JOIN titles t ON r.item = t.item", "query:1:8: column 'item' is ambiguous: r.item, t.item"),
            ("SELECT count(*) FROM nope", "query:1:22: no table 'nope' in this dataset (tables: ratings, titles, users)"),
            ("SELECT title + 1 FROM titles", "query:1:14: operator + needs numbers, got TEXT and INTEGER"),
            ("SELECT CAST(title AS INTEGER) FROM titles", "query: cannot cast 'Toy Story (1995)' to INTEGER"),
        ] {
            for format in ["json", "table", "csv"] {
                let r = try cinemesh(["query", dataset, sql, "--format", format])
                #expect(r.status == 1, "\(sql): \(r.stderr)")
                #expect(r.stdout.isEmpty, "\(sql): \(r.stdout)")
                #expect(r.stderr == "cinemesh: error: \(message)\n", "\(sql)")
            }
        }
    }
}
