import ArgumentParser
import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a SQL query over a dataset's ratings, titles, users and tags (docs/QUERY.md).",
        discussion: """
        In this process by default; on a throwaway local cluster with --local N; on the running cluster with \
        --cluster (or --coordinator). The result goes to stdout (an aligned table on a terminal, CSV otherwise, \
        or --format), the elapsed time to stderr. A bad query is a one-line error with its position, exit code 1.

          cinemesh query .cinemesh/datasets/sample \\
            "SELECT genre, count(*) AS n, avg(rating) FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY n DESC"
        """
    )

    @Argument(help: "Dataset directory (or, with --cluster, a name in the coordinator's datasets directory).")
    var dataset: String

    @Argument(help: "The query.")
    var sql: String

    @Option(help: "Output format: table, csv, tsv or json (default: table on a terminal, csv otherwise).")
    var format: String?

    @Option(help: "Run on a throwaway local cluster of N workers.")
    var local: Int?

    @Flag(help: "Run on the running cluster (cinemesh up, --coordinator, or client.coordinator).")
    var cluster = false

    @Option(help: "Fail rather than return more rows than this (cluster runs).")
    var maxRows = 100_000

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let chosen: ResultFormat
            if let format {
                guard let f = ResultFormat(rawValue: format) else {
                    throw DataError(.usage, "--format \(format): expected one of \(ResultFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                chosen = f
            } else {
                chosen = isatty(1) != 0 ? .table : .csv
            }
            let start = Date()
            let result: QueryResult
            let onCluster = local != nil || cluster || client.coordinator != nil
            if onCluster {
                // A syntax error is caught here, before any cluster starts; names are checked
                // by the coordinator, which opens the dataset anyway.
                _ = try Parser.parse(sql)
                let spec = JobSpec(type: "query", dataset: datasetReference(dataset), parameters: ["sql": sql, "max_rows": String(maxRows)])
                var answer: QueryResult?
                try client.run(spec, local: local, quiet: true) { record, _ in
                    answer = try JSON.decode(QueryResult.self, from: Array((record.result ?? "").utf8), file: "job \(record.id) result")
                }
                result = answer!
            } else {
                result = try LocalQuery.run(sql, dataset: try Dataset(path: dataset))
            }
            FileHandle.standardOutput.write(Data(try result.rendered(chosen).utf8))
            Terminal.note(String(format: "%d row%@ in %.3f s", result.rows.count, result.rows.count == 1 ? "" : "s", Date().timeIntervalSince(start)))
        }
    }
}
