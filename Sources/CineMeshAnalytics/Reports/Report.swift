/// A standard report (`cinemesh report NAME DATASET`, and the dashboard's charts): one or a few
/// queries of the query language and, where SQL without window functions cannot say it, a little
/// arithmetic over their results (a rolling mean, cumulative shares, segment totals).
public struct Report: Sendable {
    public let name: String
    public let title: String
    /// What it shows and how, for `cinemesh report --list` and the docs.
    public let summary: String
    /// The queries to run, given the tables the dataset has.
    let queries: @Sendable (_ tables: Set<String>, _ columns: Set<String>) -> [String]
    /// The report's table from the queries' results.
    let build: @Sendable ([QueryResult]) throws(QueryError) -> ReportOutput

    /// Whether the dataset with these tables has what the report needs.
    public func isAvailable(schemas: [TableSchema]) -> Bool {
        !queries(Set(schemas.map(\.name)), Set(schemas.flatMap { s in s.columns.map { "\(s.name).\($0.name)" } })).isEmpty
    }

    /// Runs the report's queries through `run` (in this process or on a cluster) and builds it.
    /// `schemas` says which tables and columns the dataset has.
    public func run(schemas: [TableSchema], _ run: (String) throws -> QueryResult) throws -> ReportOutput {
        let tables = Set(schemas.map(\.name))
        let columns = Set(schemas.flatMap { s in s.columns.map { "\(s.name).\($0.name)" } })
        let texts = queries(tables, columns)
        guard !texts.isEmpty else {
            throw QueryError("report \(name) is not available for this dataset (\(summary))", at: nil)
        }
        var output = try build(try texts.map(run))
        output.queries = texts
        output.name = name
        output.title = title
        return output
    }
}

/// A finished report: a titled table, the queries behind it and a few notes.
public struct ReportOutput: Sendable, Codable {
    public var name = ""
    public var title = ""
    public var table: QueryResult
    public var notes: [String]
    public var queries: [String] = []

    init(table: QueryResult, notes: [String] = []) {
        self.table = table
        self.notes = notes
    }
}
