#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything `cinemesh ingest` can be told.
public struct IngestOptions: Sendable {
    /// nil: detect from file names, then content.
    public var format: SourceFormat?
    /// Columns of a generic CSV (or overrides for `ml-csv`).
    public var columns: ColumnMapping?
    /// Delimiter of a generic file (default `,`; `.tsv` files default to tab).
    public var delimiter: [UInt8]?
    /// Whether a generic file starts with a header line.
    public var header = true
    /// nil: the generator's scale when an input directory holds its truth.bin, else the format's default.
    public var scale: RatingScale?
    public var onBadRow: BadRowPolicy = .fail
    public var duplicates: DuplicatePolicy = .fail
    public var encoding: TextEncoding = .auto
    /// nil: 4x4, shrunk to fit tiny data.
    public var grid: GridShape?
    /// Dataset name in the manifest (default: the output directory's name).
    public var name: String?
    /// Replace an existing dataset directory.
    public var overwrite = false
    /// Rating files at least this large are parsed on every core (when they hold no quotes).
    public var parallelSplitBytes: UInt64 = 16 << 20

    public init() {}
}

/// What an ingest did.
public struct IngestReport: Sendable {
    public var manifest: DatasetManifest
    /// Rows skipped, by reason (empty under `--on-bad-row fail`).
    public var skipped: [BadRowReason: Int]
    /// The first skipped row of each reason, as `file:line: message`.
    public var examples: [BadRowReason: String]
    public var inputBytes: UInt64
    public var seconds: Double
    /// Wall time of each phase, in order: `scan` (sequential checksum and quote pre-pass of the
    /// rating files), `parse` (rating files, all cores), `companions`
    /// (catalog, users, tags), then the builder's `ids`, `order`, `shards` and `files`.
    public var phases: [(name: String, seconds: Double)]
    public var ratingsPerSecond: Double { seconds > 0 ? Double(manifest.ratings) / seconds : 0 }
}

/// Reads rating files and companions and writes a dataset directory. On any error nothing is left
/// at the output path (the directory is built aside and renamed into place only when complete).
public struct Ingestor {
    public var options: IngestOptions

    public init(options: IngestOptions) { self.options = options }

    /// The scale generated ratings are on, when an input directory holds the generator's ground
    /// truth (`truth.bin`): `cinemesh generate --csv` writes MovieLens-latest-style files, but
    /// whole stars 1-5 (the bundled sample), not MovieLens latest's half stars.
    static func generatedScale(_ inputs: [String]) throws -> RatingScale? {
        for input in inputs where FileSystem.isDirectory(input) {
            let path = FileSystem.join(input, "truth.bin")
            guard FileSystem.exists(path) else { continue }
            let truth = try GroundTruth.decode(try FileSystem.readAll(path), file: path)
            return RatingScale(min: truth.scale.min, max: truth.scale.max, step: truth.step > 0 ? truth.step : truth.scale.step)
        }
        return nil
    }

    public func run(inputs: [String], output: String) throws -> IngestReport {
        let started = monotonicSeconds()
        var parsed = try parse(inputs)
        var builder = DatasetBuilder()
        builder.grid = options.grid ?? .standard
        builder.shrinkGridToFit = options.grid == nil
        builder.duplicates = options.duplicates
        builder.scale = parsed.scale
        builder.name = options.name ?? FileSystem.basename(output)
        builder.sourceFormat = parsed.plan.format.rawValue
        builder.sources = parsed.sources
        builder.skipped = parsed.ledger.counts
        builder.catalog = parsed.tables.catalog
        builder.userAttributes = parsed.tables.users
        builder.tags = parsed.tables.tags
        builder.locate = parsed.locate
        var layout: [(name: String, seconds: Double)] = []
        let manifest = try builder.build(&parsed.columns, at: output, overwrite: options.overwrite, timings: &layout)
        return IngestReport(manifest: manifest, skipped: parsed.ledger.counts, examples: parsed.ledger.examples.mapValues(\.description),
                            inputBytes: parsed.inputBytes, seconds: monotonicSeconds() - started, phases: parsed.phases + layout)
    }

    /// Adds the ratings and catalog rows of `inputs` to the dataset at `dataset` as its next
    /// version (`DatasetAppender`). The rows are read as an ingest reads them, on the dataset's
    /// rating scale and, unless `options.format` says otherwise, in its source format; the grid,
    /// name and `overwrite` options do not apply. Users and tags files are refused.
    public func append(inputs: [String], to dataset: String) throws -> IngestReport {
        let started = monotonicSeconds()
        let current = try Dataset(path: dataset).manifest
        var options = self.options
        options.scale = current.ratingScale
        if options.format == nil { options.format = SourceFormat(rawValue: current.sourceFormat) }
        let parsed = try Ingestor(options: options).parse(inputs)
        if let file = parsed.plan.files(.users).first ?? parsed.plan.files(.tags).first {
            throw DataError(.usage, file: file, "an append adds ratings and catalog rows; user attributes and tags are not appended")
        }
        var appender = DatasetAppender()
        appender.duplicates = options.duplicates
        appender.sources = parsed.sources
        appender.skipped = parsed.ledger.counts
        appender.catalog = parsed.tables.catalog
        appender.locate = parsed.locate
        let t = monotonicSeconds()
        let manifest = try appender.append(parsed.columns, to: dataset)
        return IngestReport(manifest: manifest, skipped: parsed.ledger.counts, examples: parsed.ledger.examples.mapValues(\.description),
                            inputBytes: parsed.inputBytes, seconds: monotonicSeconds() - started,
                            phases: parsed.phases + [("append", monotonicSeconds() - t)])
    }

    /// The inputs read: rating columns with their external ids, companions, and where each row came from.
    private struct Parsed {
        var plan: SourcePlan
        var scale: RatingScale
        var columns: RatingColumns
        var tables: Companions
        var sources: [DatasetManifest.SourceFile]
        var ledger: BadRowLedger
        var inputBytes: UInt64
        var locate: (Int) -> (file: String, line: Int?)
        var phases: [(name: String, seconds: Double)]
    }

    private func parse(_ inputs: [String]) throws -> Parsed {
        let started = monotonicSeconds()
        let plan = try SourcePlan.resolve(inputs, format: options.format)
        let scale = try options.scale ?? Self.generatedScale(inputs) ?? plan.format.defaultScale
        var delimiter = options.delimiter
        if delimiter == nil, plan.format == .csv, plan.files(.ratings).allSatisfy({ $0.lowercased().hasSuffix(".tsv") }) {
            delimiter = [0x09]
        }
        let rowFormat = RatingRowFormat.forFormat(plan.format, mapping: options.columns, delimiter: delimiter, header: options.header,
                                                  scale: scale, encoding: options.encoding)
        if plan.format == .csv && !options.header && options.columns == nil {
            throw DataError(.usage, "a file without a header needs --columns user=N,item=N,rating=N[,timestamp=N] (0-based indices)")
        }
        let parser = RatingFileParser(format: rowFormat, mappingGiven: plan.format != .csv || options.columns != nil)

        var ledger = BadRowLedger(policy: options.onBadRow)
        var fileIngest = RatingFileIngest(parser: parser, policy: options.onBadRow, encoding: options.encoding)
        fileIngest.splitThreshold = options.parallelSplitBytes
        var sources: [DatasetManifest.SourceFile] = []
        var segments: [ParsedSegment] = []
        var anyTimestamps = false
        var inputBytes: UInt64 = 0
        var scanSeconds = 0.0
        for file in plan.files(.ratings) {
            let parsed = try fileIngest.run(path: file)
            scanSeconds += parsed.scanSeconds
            ledger.absorb(parsed.ledger, lineShift: 0)
            segments += parsed.segments
            anyTimestamps = anyTimestamps || parsed.hasTimestamps
            sources.append(.init(name: FileSystem.basename(file), role: SourceRole.ratings.rawValue, bytes: parsed.bytes, xxh64: parsed.checksum.hex16))
            inputBytes += parsed.bytes
        }
        var columns = SegmentMerge.merge(&segments)
        let parsed = monotonicSeconds()
        if !anyTimestamps { columns.timestamps = [] }
        let located = segments.map { (path: $0.path, range: $0.range, firstLine: $0.firstLine, firstRow: $0.firstRow) }

        let tables = try readCompanions(plan, ledger: &ledger, sources: &sources, inputBytes: &inputBytes)
        let companions = monotonicSeconds()
        let policy = options.onBadRow
        let locate: (Int) -> (file: String, line: Int?) = { k in
            guard let seg = located.last(where: { $0.firstRow <= k }) else { return (located.first?.path ?? "", nil) }
            var finder = LocateSink(remaining: k - seg.firstRow)
            var scratch = BadRowLedger(policy: policy)
            if let layout = try? parser.layout(path: seg.path, display: seg.path) {
                _ = try? parser.parse(path: seg.path, display: seg.path, layout: layout, range: seg.range, firstLine: seg.firstLine,
                                      into: &finder, ledger: &scratch)
            }
            return (seg.path, finder.line)
        }
        return Parsed(plan: plan, scale: scale, columns: columns, tables: tables, sources: sources, ledger: ledger,
                      inputBytes: inputBytes, locate: locate,
                      phases: [("scan", scanSeconds), ("parse", parsed - started - scanSeconds), ("companions", companions - parsed)])
    }

    private struct Companions {
        var catalog: ColumnTable?
        var users: ColumnTable?
        var tags: ColumnTable?
    }

    /// Catalog, user attributes, tags and links, each parsed by its format's reader.
    private func readCompanions(_ plan: SourcePlan, ledger: inout BadRowLedger, sources: inout [DatasetManifest.SourceFile],
                                inputBytes: inout UInt64) throws -> Companions {
        var out = Companions()
        let enc = options.encoding
        func note(_ path: String, _ role: SourceRole, _ r: CatalogParsers.Records) {
            sources.append(.init(name: FileSystem.basename(path), role: role.rawValue, bytes: r.bytes, xxh64: r.checksum.hex16))
            inputBytes += r.bytes
        }
        func formatOf(_ path: String) -> SourceFormat {
            SourcePlan.classify(name: FileSystem.basename(path))?.1 ?? plan.format
        }
        var genres = CatalogParsers.movieLens100KGenres
        for path in plan.files(.genres) {
            let r = try CatalogParsers.records(path, display: path, delimiter: [0x7C], quoting: false, header: false, fields: 2, encoding: enc, ledger: &ledger)
            note(path, .genres, r)
            var named = genres
            for row in r.rows {
                if let i = Int(row[1].trimmingSpaces), i >= 0, i < named.count { named[i] = row[0] }
            }
            genres = named
        }
        for path in plan.files(.catalog) {
            guard out.catalog == nil else { throw DataError(.usage, file: path, "a second catalog; give one catalog file") }
            let table: ColumnTable
            let r: CatalogParsers.Records
            switch formatOf(path) {
            case .movieLens100K:
                r = try CatalogParsers.records(path, display: path, delimiter: [0x7C], quoting: false, header: false, fields: 5 + genres.count, encoding: enc, ledger: &ledger)
                table = try CatalogParsers.movieLens100KItems(r, genres: genres, file: path, ledger: &ledger)
            case .movieLensDat:
                r = try CatalogParsers.records(path, display: path, delimiter: [0x3A, 0x3A], quoting: false, header: false, fields: 3, encoding: enc, ledger: &ledger)
                table = try CatalogParsers.movieLensMovies(r, header: false, file: path)
            case .netflixPrize:
                r = try CatalogParsers.records(path, display: path, delimiter: [0x2C], quoting: false, header: false, minimumFields: 3, encoding: enc, ledger: &ledger)
                table = CatalogParsers.netflixPrizeTitles(r)
            case .netflixTitles:
                r = try CatalogParsers.records(path, display: path, delimiter: [0x2C], quoting: true, header: true, encoding: enc, ledger: &ledger)
                table = try CatalogParsers.netflixTitles(r, file: path)
            case .movieLensCSV, .csv:
                r = try CatalogParsers.records(path, display: path, delimiter: [0x2C], quoting: true, header: true, encoding: enc, ledger: &ledger)
                table = try CatalogParsers.movieLensMovies(r, header: true, file: path)
            }
            note(path, .catalog, r)
            out.catalog = table
        }
        for path in plan.files(.links) {
            let r = try CatalogParsers.records(path, display: path, delimiter: [0x2C], quoting: true, header: true, encoding: enc, ledger: &ledger)
            note(path, .links, r)
            if out.catalog != nil { try CatalogParsers.addLinks(r, to: &out.catalog!, file: path) }
        }
        for path in plan.files(.users) {
            let dat = formatOf(path) == .movieLensDat
            let r = try CatalogParsers.records(path, display: path, delimiter: dat ? [0x3A, 0x3A] : [0x7C], quoting: false, header: false, fields: 5, encoding: enc, ledger: &ledger)
            note(path, .users, r)
            out.users = CatalogParsers.users(r, format: dat ? .movieLensDat : .movieLens100K)
        }
        for path in plan.files(.tags) {
            let dat = formatOf(path) == .movieLensDat
            let r = try CatalogParsers.records(path, display: path, delimiter: dat ? [0x3A, 0x3A] : [0x2C], quoting: !dat, header: !dat, fields: dat ? 4 : nil, encoding: enc, ledger: &ledger)
            note(path, .tags, r)
            out.tags = try CatalogParsers.tags(r, header: !dat, file: path)
        }
        return out
    }
}

/// Seconds on a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
