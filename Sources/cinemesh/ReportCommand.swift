import ArgumentParser
import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a standard report (genre popularity, top rated, ratings per month, ...) built from queries.",
        discussion: """
        Reports: \(Reports.all.map(\.name).joined(separator: ", ")) (--list describes them). Each is one or a few \
        `cinemesh query` queries, run in this process, on a throwaway cluster (--local N) or on the running one \
        (--cluster, --coordinator); --format json gives the data the dashboard draws.
        """
    )

    @Argument(help: "The report's name.")
    var name: String?

    @Argument(help: "Dataset directory (or, with --cluster, a name in the coordinator's datasets directory).")
    var dataset: String?

    @Flag(help: "List the reports.")
    var list = false

    @Option(help: "Output format: table, json or csv.")
    var format = "table"

    @Option(help: "Run on a throwaway local cluster of N workers.")
    var local: Int?

    @Flag(help: "Run on the running cluster.")
    var cluster = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            if list {
                for r in Reports.all { print("\(Terminal.pad(r.name, 20)) \(r.summary)") }
                return
            }
            guard let name, let dataset else { throw DataError(.usage, "give a report name and a dataset (--list shows the reports)") }
            guard let report = Reports.named(name) else {
                throw DataError(.usage, "no report '\(name)' (reports: \(Reports.all.map(\.name).joined(separator: ", ")))")
            }
            guard ["table", "json", "csv"].contains(format) else { throw DataError(.usage, "--format \(format): expected table, json or csv") }
            let start = Date()
            let schemas = QueryTables(dataset: try Dataset(path: dataset)).schemas
            guard report.isAvailable(schemas: schemas) else {
                throw DataError(.usage, "report \(report.name) is not available for \(dataset): \(report.summary)")
            }
            let output: ReportOutput
            if local != nil || cluster || client.coordinator != nil {
                func onCluster(_ c: ClusterClient) throws -> ReportOutput {
                    try report.run(schemas: schemas) { sql in
                        // Some reports read one row per user or title: no 100,000-row cap for them.
                        let spec = JobSpec(type: "query", dataset: datasetReference(dataset), parameters: ["sql": sql, "max_rows": "10000000"])
                        let submitted = try c.submit(spec)
                        let final = try JobView.follow(submitted.id, client: c, quiet: true)
                        guard final.state == .succeeded, let json = final.result else {
                            throw DataError(.io, "job \(final.id) \(final.state.rawValue): \(final.error ?? "no result")")
                        }
                        return try JSON.decode(QueryResult.self, from: Array(json.utf8), file: "job \(final.id) result")
                    }
                }
                var answer: ReportOutput?
                if let local {
                    try client.withLocalCluster(workers: local, quiet: true) { answer = try onCluster($0) }
                } else {
                    answer = try onCluster(try client.client())
                }
                output = answer!
            } else {
                let open = try Dataset(path: dataset)
                let tables = QueryTables(dataset: open)
                output = try report.run(schemas: tables.schemas) { sql in try LocalQuery.run(sql, dataset: open, tables: tables) }
            }
            switch format {
            case "json": print(String(decoding: try JSON.encode(output), as: UTF8.self))
            case "csv": print(try output.table.rendered(.csv), terminator: "")
            default:
                print(output.title)
                print(try output.table.rendered(.table), terminator: "")
                for n in output.notes { print(n) }
            }
            Terminal.note(String(format: "report %@ in %.3f s", report.name, Date().timeIntervalSince(start)))
        }
    }
}
