import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

/// The `query` job: a SQL query (docs/QUERY.md) over a dataset's ratings and catalogs. One task
/// per grid block runs the plan on a worker (scan, filters, joins with the held tables, which
/// travel once and are cached by content, unnesting, partial aggregates) and returns the block's
/// partial; the coordinator merges partials in block order, so the answer is the same bits for
/// any number of workers, and finishes HAVING, ORDER BY and LIMIT. A query that reads no
/// ratings (a catalog report) runs on the coordinator alone.
///
/// Parameters: `sql` (required); `max_rows` (default 100000: a larger result fails and asks for
/// a LIMIT); `task_delay_ms` (default 0: each task sleeps first, for fault-tolerance tests).
public final class QueryJob: JobDriver {
    public static let type = JobType(name: "query", summary: "a SQL query: filters, joins and group-by on the workers, merged in block order",
                                     validate: { _ = try Parameters($0) }) { spec, dataset, _ in
        try QueryJob(spec: spec, dataset: dataset)
    }

    struct Parameters {
        var sql: String
        var maxRows: Int
        var delay: Int

        init(_ spec: JobSpec) throws {
            let known: Set<String> = ["sql", "max_rows", "task_delay_ms"]
            for key in spec.parameters.keys where !known.contains(key) {
                throw JobError("query: unknown parameter '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
            }
            guard let sql = spec.parameters["sql"], !sql.isEmpty else { throw JobError("query: the 'sql' parameter is required") }
            do {
                _ = try Parser.parse(sql)
            } catch {
                throw JobError(error.description)
            }
            self.sql = sql
            maxRows = try Self.int(spec, "max_rows", default: 100_000, range: 0 ... 10_000_000)
            delay = try Self.int(spec, "task_delay_ms", default: 0, range: 0 ... 600_000)
        }

        static func int(_ spec: JobSpec, _ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = spec.parameters[key] else { return d }
            guard let v = Int(text), range.contains(v) else { throw JobError("query: \(key) must be \(range.lowerBound)...\(range.upperBound), not '\(text)'") }
            return v
        }
    }

    private let dataset: Dataset
    private let parameters: Parameters
    private let executor: QueryExecutor
    private var merger: QueryMerger
    private var waiting: [Int: QueryPartial] = [:]
    private var merged = 0
    private var planned = false

    init(spec: JobSpec, dataset: Dataset) throws {
        parameters = try Parameters(spec)
        self.dataset = dataset
        do {
            executor = try QueryExecutor(parameters.sql, tables: Self.tables(of: dataset))
        } catch {
            throw JobError(error.description)
        }
        merger = QueryMerger(executor)
    }

    private static let recentTables = Lock()
    nonisolated(unsafe) private static var recent: [(content: String, tables: QueryTables)] = []

    /// The dataset's tables, reused by the next queries on the same content.
    static func tables(of dataset: Dataset) -> QueryTables {
        let content = dataset.manifest.contentHash
        if let hit = recentTables.withLock({ recent.first { $0.content == content }?.tables }) { return hit }
        let tables = QueryTables(dataset: dataset)
        recentTables.withLock {
            recent.append((content, tables))
            if recent.count > 4 { recent.removeFirst() }
        }
        return tables
    }

    public func nextStage() throws -> StagePlan? {
        guard !planned else { return nil }
        planned = true
        guard executor.plan.shardedSource != nil else { return nil }
        let m = dataset.manifest
        var shared: [FileRef] = []
        var tables: [String] = []
        for role in ["users-idmap", "items-idmap", "catalog", "user-attributes", "tags"] {
            guard let f = m.file(role: role) else { continue }
            shared.append(FileRef(xxh64: f.xxh64, bytes: f.bytes, name: f.file))
            tables.append(role)
        }
        let tasks = m.blocks.sorted { ($0.row, $0.column) < ($1.row, $1.column) }.map { b in
            QueryBlockTask(sql: parameters.sql, row: b.row, column: b.column, timestamps: m.timestamps != nil, tables: TaskList(tables),
                           delayMilliseconds: parameters.delay, maxRows: parameters.maxRows)
                .plan(files: [FileRef(xxh64: b.xxh64, bytes: b.bytes, name: b.file)] + shared)
        }
        return StagePlan(name: "query-blocks", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        guard let bytes = payload.first else { throw JobError("query: task \(index) returned no partial") }
        let partial: QueryPartial
        do {
            partial = try executor.decodePartial(bytes)
        } catch {
            throw JobError("query: task \(index) returned a damaged partial: \(error)")
        }
        waiting[index] = partial
        while let next = waiting.removeValue(forKey: merged) {
            try merger.add(next)
            merged += 1
        }
        // Rows past the limit are refused as they come, not held until the end.
        if !executor.plan.isAggregate, executor.plan.limit == nil, merger.rowCount > parameters.maxRows {
            throw JobError("query: the result has more than max_rows=\(parameters.maxRows) rows; add a LIMIT")
        }
    }

    public func finish() throws -> JobOutcome {
        let result: QueryResult
        do {
            if executor.plan.shardedSource == nil {
                try merger.add(try executor.partial(block: nil))
            } else {
                guard waiting.isEmpty, merged == dataset.grid.blockCount else {
                    throw JobError("query: \(dataset.grid.blockCount - merged) blocks have no result")
                }
                if executor.keepsUnmatchedRows { try merger.add(try executor.unmatchedPartial(matched: merger.matched)) }
            }
            result = try merger.finish()
        } catch let e as QueryError {
            throw JobError(e.description)
        }
        guard result.rows.count <= parameters.maxRows else {
            throw JobError("query: the result has \(result.rows.count) rows, more than max_rows=\(parameters.maxRows); add a LIMIT")
        }
        var shown = result
        shown.rows = Array(result.rows.prefix(20))
        var summary = try shown.rendered(.table)
        if result.rows.count > 20 { summary += "(first 20 of \(result.rows.count) rows)\n" }
        let compact = JSONEncoder()
        compact.outputFormatting = [.withoutEscapingSlashes]
        return JobOutcome(result: String(decoding: try compact.encode(result), as: UTF8.self), summary: summary)
    }

    public var metrics: [String: Double] {
        ["blocks_done": Double(merged + waiting.count), "rows_scanned": Double(merger.rowsScanned), "groups": Double(merger.groupCount)]
    }
}
