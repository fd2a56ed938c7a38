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
          cinemesh ingest --append ratings-2026-12-06.csv datasets/shop --columns user=uid,item=sku,rating=stars

        With --append, the last argument is an existing dataset: the new files' ratings (and catalog rows of new titles) become its next version, read on its rating scale and in its source format (unless --format says otherwise); existing ids keep their indices and only the blocks that changed are written.
        """
    )

    @Argument(help: "Rating files or a directory of a published dataset (with --append: the new files, then the dataset directory).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Dataset directory to create.")
    var out: String?

    @Flag(help: "Add the files' ratings and catalog rows to the dataset named last, as its next version.")
    var append = false

    @OptionGroup var rows: RowOptions

    @Option(help: "Rating scale MIN:MAX[:STEP] (default: the format's, e.g. 1:5:1 for ml-100k, 0.5:5:0.5 for ml-csv).")
    var scale: String?

    @Option(help: "Dataset name (default: the output directory's name).")
    var name: String?

    @OptionGroup var output: DatasetOutputOptions

    @Flag(help: "Print the manifest as JSON instead of a summary.")
    var json = false

    func run() throws {
        try reportingErrors {
            var options = try rows.options()
            if let scale {
                guard let s = RatingScale(parsing: scale) else { throw DataError(.usage, "--scale '\(scale)' is not MIN:MAX[:STEP] with MIN < MAX") }
                options.scale = s
            }
            options.grid = try output.shape()
            options.name = name
            options.overwrite = output.force
            if append {
                guard inputs.count >= 2, out == nil, output.grid == nil, name == nil, !output.force else {
                    throw DataError(.usage, "--append takes the new files then the dataset directory (no --out, --grid, --name or --force)")
                }
                let dataset = inputs.last!
                let report = try Ingestor(options: options).append(inputs: Array(inputs.dropLast()), to: dataset)
                print(json ? String(decoding: try JSON.encode(report.manifest), as: UTF8.self) : Self.renderAppend(report, dataset: dataset),
                      terminator: json ? "" : "\n")
                return
            }
            guard let out else { throw DataError(.usage, "name the dataset directory to create with --out (or pass --append)") }
            let report = try Ingestor(options: options).run(inputs: inputs, output: out)
            if json {
                print(String(decoding: try JSON.encode(report.manifest), as: UTF8.self), terminator: "")
            } else {
                print(Self.render(report, out: out))
            }
        }
    }

    /// What an append added, from the new version's record.
    static func renderAppend(_ r: IngestReport, dataset: String) -> String {
        let m = r.manifest
        guard let a = m.appends?.last else { return render(r, out: dataset) }
        var lines = ["appended \(a.sources.map(\.name).joined(separator: ", ")) to \(dataset) as version \(a.version)"]
        lines.append("  ratings   +\(Terminal.grouped(a.ratings)) = \(Terminal.grouped(m.ratings))")
        lines.append("  users     +\(Terminal.grouped(a.users)) = \(Terminal.grouped(m.users))")
        lines.append("  items     +\(Terminal.grouped(a.items)) = \(Terminal.grouped(m.items))")
        lines.append("  blocks    \(a.blocksWritten) of \(m.grid.blockCount) written, the rest kept")
        if a.duplicatesResolved > 0 { lines.append("  duplicates resolved by '\(a.duplicatePolicy)': \(Terminal.grouped(a.duplicatesResolved))") }
        for (reason, n) in r.skipped.sorted(by: { $0.key < $1.key }) {
            lines.append("  skipped   \(reason.rawValue) \(Terminal.grouped(n))   first: \(r.examples[reason] ?? "")")
        }
        lines.append("  content   \(m.contentHash)")
        return lines.joined(separator: "\n")
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
