import ArgumentParser
import CineMeshData

/// How rows are read, shared by `ingest` and `retrain`: the format, a generic file's columns and
/// delimiter, and what bad rows and duplicates become.
struct RowOptions: ParsableArguments {
    @Option(help: "Source format: \(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detect; when appending, the dataset's).")
    var format: SourceFormat?

    @Option(help: "Columns of a generic CSV: user=NAME,item=NAME,rating=NAME[,timestamp=NAME] (names or 0-based indices).")
    var columns: String?

    @Option(help: "Field delimiter of a generic file: ',', ';', 'tab', '|', '::' (default ',' or tab for .tsv).")
    var delimiter: String?

    @Flag(help: "A generic file has no header line (then --columns takes indices).")
    var noHeader = false

    @Option(help: "What to do with a bad row: fail or skip (skip counts and reports them by reason).")
    var onBadRow: BadRowPolicy = .fail

    @Option(help: "Several ratings of one (user, item): fail, first, last or mean.")
    var duplicates: DuplicatePolicy = .fail

    @Option(help: "Text encoding: utf-8, latin-1 or auto (UTF-8 where valid, else latin-1).")
    var encoding: TextEncoding = .auto

    /// Ingest options with these set.
    func options() throws -> IngestOptions {
        var options = IngestOptions()
        options.format = format
        if let columns { options.columns = try ColumnMapping.parse(columns).get() }
        if let delimiter { options.delimiter = try Self.delimiterBytes(delimiter) }
        options.header = !noHeader
        options.onBadRow = onBadRow
        options.duplicates = duplicates
        options.encoding = encoding
        return options
    }

    static func delimiterBytes(_ text: String) throws -> [UInt8] {
        switch text {
        case "tab", "\\t", "\t": return [0x09]
        case "": throw DataError(.usage, "--delimiter must not be empty")
        default: return Array(text.utf8)
        }
    }
}
