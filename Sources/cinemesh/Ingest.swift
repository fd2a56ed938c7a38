import ArgumentParser
import CineMeshData

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read rating files (MovieLens, Netflix Prize, Netflix titles, any CSV) into a dataset directory.",
        discussion: """
        The format is detected from file names, then content: a MovieLens 100K/1M/10M/latest directory, Netflix Prize combined_data_N.txt or mv_*.txt files, netflix_titles.csv, or a CSV/TSV with a header. By default the first bad row stops the ingest with FILE:LINE: REASON and nothing is written.

        Examples:
          cinemesh ingest ../shared/data/ml-100k --out datasets/ml-100k
          cinemesh ingest ratings.tsv --columns user=uid,item=sku,rating=stars --out datasets/shop
        """
    )

    @Argument(help: "Rating files or a directory of a published dataset.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Dataset directory to create.")
    var out: String

    @Option(help: "Source format: \(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detect).")
    var format: SourceFormat?

    @Option(help: "Columns of a generic CSV: user=NAME,item=NAME,rating=NAME[,timestamp=NAME] (names or 0-based indices).")
    var columns: String?

    @Option(help: "Field delimiter of a generic file: ',', ';', 'tab', '|', '::' (default ',' or tab for .tsv).")
    var delimiter: String?

    @Flag(help: "A generic file has no header line (then --columns takes indices).")
    var noHeader = false

    @Option(help: "Rating scale MIN:MAX[:STEP] (default: the format's, e.g. 1:5:1 for ml-100k, 0.5:5:0.5 for ml-csv).")
    var scale: String?

    @Option(help: "Grid of blocks RxC the matrix is cut into (default 4x4, shrunk for tiny data).")
    var grid: String?

    @Option(help: "What to do with a bad row: fail or skip (skip counts and reports them by reason).")
    var onBadRow: BadRowPolicy = .fail

    @Option(help: "Several ratings of one (user, item): fail, first, last or mean.")
    var duplicates: DuplicatePolicy = .fail

    @Option(help: "Text encoding: utf-8, latin-1 or auto (UTF-8 where valid, else latin-1).")
    var encoding: TextEncoding = .auto

    @Option(help: "Dataset name (default: the output directory's name).")
    var name: String?

    @Flag(help: "Replace an existing dataset directory.")
    var force = false

    @Flag(help: "Print the manifest as JSON instead of a summary.")
    var json = false

    func run() throws {
        try reportingErrors {
            var options = IngestOptions()
            options.format = format
            if let columns { options.columns = try ColumnMapping.parse(columns).get() }
            if let delimiter { options.delimiter = try Self.delimiterBytes(delimiter) }
            options.header = !noHeader
            if let scale {
                guard let s = RatingScale(parsing: scale) else { throw DataError(.usage, "--scale '\(scale)' is not MIN:MAX[:STEP] with MIN < MAX") }
                options.scale = s
            }
            if let grid {
                guard let g = GridShape(parsing: grid) else { throw DataError(.usage, "--grid '\(grid)' is not RxC (e.g. 4x4)") }
                options.grid = g
            }
            options.onBadRow = onBadRow
            options.duplicates = duplicates
            options.encoding = encoding
            options.name = name
            options.overwrite = force
            let report = try Ingestor(options: options).run(inputs: inputs, output: out)
            if json {
                print(String(decoding: try JSON.encode(report.manifest), as: UTF8.self), terminator: "")
            } else {
                print(Self.render(report, out: out))
            }
        }
    }

    static func delimiterBytes(_ text: String) throws -> [UInt8] {
        switch text {
        case "tab", "\\t", "\t": return [0x09]
        case "": throw DataError(.usage, "--delimiter must not be empty")
        default: return Array(text.utf8)
        }
    }

    static func render(_ r: IngestReport, out: String) -> String {
        let m = r.manifest
        var lines: [String] = []
        lines.append("ingested \(m.sourceFormat) into \(out)")
        lines.append("  users     \(Terminal.grouped(m.users))")
        lines.append("  items     \(Terminal.grouped(m.items))" + (m.file(role: "catalog") != nil ? "  (catalog attached)" : ""))
        lines.append("  ratings   \(Terminal.grouped(m.ratings))  on scale \(m.ratingScale)")
        lines.append("  grid      \(m.grid.rows)x\(m.grid.columns) blocks")
        if m.ingest.duplicatesResolved > 0 {
            lines.append("  duplicates resolved by '\(m.ingest.duplicatePolicy)': \(Terminal.grouped(m.ingest.duplicatesResolved))")
        }
        if !r.skipped.isEmpty {
            lines.append("  skipped rows:")
            for (reason, n) in r.skipped.sorted(by: { $0.key < $1.key }) {
                lines.append("    \(Terminal.pad(reason.rawValue, 20)) \(Terminal.pad(Terminal.grouped(n), 10, right: true))   first: \(r.examples[reason] ?? "")")
            }
        }
        let mb = Double(r.inputBytes) / 1e6
        lines.append("  took      \(Terminal.fixed(r.seconds, 2)) s (\(Terminal.grouped(Int(r.ratingsPerSecond))) ratings/s, \(Terminal.fixed(mb / max(r.seconds, 1e-9), 1)) MB/s)")
        lines.append("            " + r.phases.map { "\($0.name) \(Terminal.fixed($0.seconds, 2)) s" }.joined(separator: ", "))
        lines.append("  content   \(m.contentHash)")
        return lines.joined(separator: "\n")
    }
}

extension SourceFormat: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension DuplicatePolicy: ExpressibleByArgument {}
extension TextEncoding: ExpressibleByArgument {}
