@testable import CineMeshAnalytics
import CineMeshData
import Foundation
import Testing

/// `../shared/data` beside the repository, or `CINEMESH_SHARED_DATA`; nil when absent.
let querySharedData: String? = {
    if let env = ProcessInfo.processInfo.environment["CINEMESH_SHARED_DATA"], !env.isEmpty {
        return FileManager.default.fileExists(atPath: env) ? env : nil
    }
    // Tests/CineMeshAnalyticsTests/Query/this file -> the package root -> its parent.
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0 ..< 4 { root = root.deletingLastPathComponent() }
    let p = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    return FileManager.default.fileExists(atPath: p) ? p : nil
}()

let querySharedDataMissing = "../shared/data is absent (set CINEMESH_SHARED_DATA to run the real-data query tests)"

/// Every dataset the query tests make lives under one directory per test process, removed at exit.
let queryScratchRoot: String = {
    let path = "/tmp/cinemesh-qtest-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: "/tmp/cinemesh-qtest-\(getpid())") }
    return path
}()

/// A dataset ingested once for the whole test process, its query tables, and the reference's rows.
final class QueryFixture: Sendable {
    let name: String
    let dataset: Dataset
    let tables: QueryTables
    /// The reference's rows (only for the fixtures the differential tests use).
    let reference: RefData?

    init(name: String, path: String, reference: Bool = true) throws {
        self.name = name
        dataset = try Dataset(path: path)
        tables = QueryTables(dataset: dataset)
        self.reference = reference ? try RefData(dataset: dataset) : nil
    }

    /// The engine's answer, as `cinemesh query` computes it in one process.
    func engine(_ sql: String) throws -> QueryResult { try LocalQuery.run(sql, dataset: dataset, tables: tables) }

    /// The reference evaluator's answer.
    func naive(_ sql: String) throws -> QueryResult {
        guard let reference else { throw ReferenceError("\(name) has no reference data") }
        return try ReferenceEvaluator(data: reference).run(sql, tables: tables)
    }

    static func ingested(_ name: String, _ inputs: [String], grid: GridShape? = nil, reference: Bool = true) -> Result<QueryFixture, any Error> {
        Result {
            guard let root = querySharedData else { throw ReferenceError(querySharedDataMissing) }
            let out = queryScratchRoot + "/\(name)"
            var o = IngestOptions()
            o.grid = grid
            o.overwrite = true
            _ = try Ingestor(options: o).run(inputs: inputs.map { root + "/" + $0 }, output: out)
            return try QueryFixture(name: name, path: out, reference: reference)
        }
    }

    static let ml100k = ingested("ml-100k", ["ml-100k"])
    static let mlSmall = ingested("ml-latest-small", ["ml-latest-small"])
    static let netflix = ingested("netflix-titles", ["netflix-titles/netflix_titles.csv"])
    /// 40,000 generated ratings on continuous values (step 0), on a 3x3 grid, with a catalog.
    static let generated: Result<QueryFixture, any Error> = Result {
        var config = GeneratorConfig(ratings: 40_000)
        config.seed = 7
        config.step = 0
        let out = queryScratchRoot + "/generated"
        _ = try RatingGenerator(config: config).generate().writeDataset(to: out, grid: GridShape(rows: 3, columns: 3), overwrite: true)
        return try QueryFixture(name: "generated", path: out)
    }

    static func named(_ name: String) throws -> QueryFixture {
        switch name {
        case "ml100k": return try ml100k.get()
        case "mls": return try mlSmall.get()
        case "netflix": return try netflix.get()
        case "gen": return try generated.get()
        default: throw ReferenceError("no fixture \(name)")
        }
    }
}

/// Compares two results: the same columns and types, every engine value of its column's type, and
/// the same rows (in order when `ordered`, else as multisets), doubles to 1e-9 relative.
/// `approximate` columns are compared by a check of their own instead.
func expectSameResult(_ engine: QueryResult, _ reference: QueryResult, ordered: Bool, approximate: [Int: ApproximateCheck] = [:],
                      _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(engine.columns == reference.columns, "\(label): columns", sourceLocation: sourceLocation)
    #expect(engine.types == reference.types, "\(label): types", sourceLocation: sourceLocation)
    for (r, row) in engine.rows.enumerated() {
        for (c, v) in row.enumerated() where !v.isNull && c < engine.types.count && v.type != engine.types[c] {
            Issue.record("\(label): row \(r) column \(engine.columns[c]) holds \(v.type.rawValue) \(v), declared \(engine.types[c].rawValue)",
                         sourceLocation: sourceLocation)
            return
        }
    }
    guard engine.rows.count == reference.rows.count else {
        Issue.record("\(label): \(engine.rows.count) rows, reference \(reference.rows.count)\nengine: \(engine.rows.prefix(8))\nreference: \(reference.rows.prefix(8))",
                     sourceLocation: sourceLocation)
        return
    }
    var a = engine.rows, b = reference.rows
    if !ordered {
        let exact = Set(0 ..< (engine.columns.count)).subtracting(approximate.keys)
        a.sort { canonicalLess($0, $1, exact) }
        b.sort { canonicalLess($0, $1, exact) }
    }
    var failures = 0
    for (r, (x, y)) in zip(a, b).enumerated() {
        guard x.count == y.count else {
            Issue.record("\(label): row \(r) has \(x.count) values, reference \(y.count)", sourceLocation: sourceLocation)
            return
        }
        for c in x.indices {
            let ok: Bool
            if let check = approximate[c] {
                ok = check.accepts(x, y, column: c)
            } else {
                ok = sameValue(x[c], y[c])
            }
            if !ok {
                failures += 1
                if failures <= 5 {
                    Issue.record("\(label): row \(r) column \(engine.columns[c]): engine \(show(x[c])), reference \(show(y[c]))\nengine row: \(x.map(show))\nreference row: \(y.map(show))",
                                 sourceLocation: sourceLocation)
                }
            }
        }
    }
}

/// How an approximate aggregate's column is checked against the reference's exact answer.
enum ApproximateCheck {
    /// approx_count_distinct: within 3% of the exact count (or 1, for tiny counts).
    case countWithin3Percent
    /// approx_quantile: between the exact values at ranks q - 2% and q + 2%, which the query
    /// computes in columns `low` and `high` (compared exactly themselves).
    case between(low: Int, high: Int)

    func accepts(_ engineRow: [Value], _ referenceRow: [Value], column c: Int) -> Bool {
        switch self {
        case .countWithin3Percent:
            guard case .integer(let x) = engineRow[c], case .integer(let y) = referenceRow[c] else {
                return engineRow[c].isNull && referenceRow[c].isNull
            }
            return Double(abs(x - y)) <= max(0.03 * Double(y), 1)
        case .between(let low, let high):
            guard let v = engineRow[c].number, let lo = referenceRow[low].number, let hi = referenceRow[high].number else {
                return engineRow[c].isNull && referenceRow[low].isNull
            }
            return lo <= v && v <= hi
        }
    }
}

func sameValue(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        if x == y || (x.isNaN && y.isNaN) { return true }
        return abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    default:
        return a.type == b.type && a == b
    }
}

func show(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .text(let s): return "'\(s)'"
    default: return "\(v.type.rawValue.lowercased()):\(v)"
    }
}

/// An order for comparing unordered results: by the exact columns, doubles rounded to 8
/// significant digits so that rounding noise cannot reorder rows.
func canonicalLess(_ a: [Value], _ b: [Value], _ columns: Set<Int>) -> Bool {
    for c in columns.sorted() where c < a.count && c < b.count {
        let x = canonicalKey(a[c]), y = canonicalKey(b[c])
        let o = ReferenceEvaluator.compare(x, y)
        if o != 0 { return o < 0 }
    }
    return false
}

func canonicalKey(_ v: Value) -> Value {
    guard case .double(let d) = v, d.isFinite, d != 0 else { return v }
    let scale = pow(10, 8 - (log10(abs(d))).rounded(.up))
    return .double((d * scale).rounded() / scale)
}
