/// Receives validated rating rows from `RatingFileParser`.
protocol RatingSink {
    /// One accepted row; return false to stop early.
    mutating func accept(user: UnsafeBufferPointer<UInt8>, item: UnsafeBufferPointer<UInt8>, rating: Float, timestamp: Int64, line: Int) -> Bool
}

/// How the rating rows of one format are laid out.
struct RatingRowFormat: Sendable {
    var delimiter: [UInt8]
    var quoting: Bool
    /// Header-driven formats resolve columns from the first record of each file.
    var header: Bool
    /// Columns when there is no header (or to resolve against the header).
    var mapping: ColumnMapping
    /// Netflix Prize: `MovieID:` lines introduce the ratings of a movie (`customer,rating,date`).
    var netflixPrize = false
    var scale: RatingScale
    var timestampKind: TimestampKind
    var encoding: TextEncoding

    static func forFormat(_ f: SourceFormat, mapping: ColumnMapping?, delimiter: [UInt8]?, header: Bool,
                          scale: RatingScale, encoding: TextEncoding) -> RatingRowFormat {
        let positional = ColumnMapping(user: .index(0), item: .index(1), rating: .index(2), timestamp: .index(3))
        switch f {
        case .movieLens100K:
            return .init(delimiter: [0x09], quoting: false, header: false, mapping: positional, scale: scale, timestampKind: .unixSeconds, encoding: encoding)
        case .movieLensDat:
            return .init(delimiter: [0x3A, 0x3A], quoting: false, header: false, mapping: positional, scale: scale, timestampKind: .unixSeconds, encoding: encoding)
        case .movieLensCSV:
            return .init(delimiter: [0x2C], quoting: true, header: true,
                         mapping: mapping ?? ColumnMapping(user: .name("userId"), item: .name("movieId"), rating: .name("rating"), timestamp: .name("timestamp")),
                         scale: scale, timestampKind: .unixSeconds, encoding: encoding)
        case .netflixPrize:
            return .init(delimiter: [0x2C], quoting: false, header: false,
                         mapping: ColumnMapping(user: .index(0), item: .index(-1), rating: .index(1), timestamp: .index(2)),
                         netflixPrize: true, scale: scale, timestampKind: .isoDate, encoding: encoding)
        case .csv, .netflixTitles:
            return .init(delimiter: delimiter ?? [0x2C], quoting: true, header: header,
                         mapping: mapping ?? positional, scale: scale, timestampKind: .auto, encoding: encoding)
        }
    }
}

/// Where the columns of a rating file are, resolved once per file (from its header when it has one).
struct RatingLayout: Sendable {
    var user = 0, item = 1, rating = 2
    var timestamp: Int?
    /// Exact number of fields a rating row has.
    var fields = 0
    /// File offset and line number of the first data line (after any header).
    var dataStart: UInt64 = 0
    var dataLine = 1
}

/// Parses rating rows, applying the bad-row policy. The same loop serves ingestion (on the whole
/// file or on one byte range of it per core) and the re-scan that finds the line of a given row
/// (for duplicate errors), so all agree exactly on which rows count.
struct RatingFileParser: Sendable {
    let format: RatingRowFormat
    /// Whether the mapping came from the user or a known layout (else guessed from the header).
    let mappingGiven: Bool

    /// Opens the file (rejecting empty, binary and unreadable files) and resolves its layout.
    func layout(path: String, display: String) throws -> RatingLayout {
        let reader = try DelimitedReader(path: path, displayName: display, delimiter: format.delimiter, quoting: format.quoting, bufferSize: 1 << 16)
        var layout = RatingLayout()
        switch (format.mapping.user, format.mapping.item, format.mapping.rating, format.mapping.timestamp) {
        case (.index(let u), .index(let i), .index(let r), let t):
            layout.user = u; layout.item = i; layout.rating = r
            if case .index(let ti)? = t { layout.timestamp = ti }
            layout.fields = max(u, i, r, layout.timestamp ?? 0) + 1
        default: break
        }
        if format.header {
            guard try reader.next() == .record else {
                throw DataError(.emptyFile, file: display, "no header line")
            }
            let names = (0 ..< reader.fieldCount).map { format.encoding.decode(reader.field($0)) }
            let mapping = mappingGiven ? format.mapping : try ColumnMapping.guess(header: names, file: display)
            (layout.user, layout.item, layout.rating, layout.timestamp) = try mapping.resolve(header: names, file: display)
            layout.fields = names.count
            layout.dataStart = reader.nextRecordOffset
            layout.dataLine = reader.linesConsumed + 1
        }
        if format.netflixPrize {
            layout.fields = 3
            layout.timestamp = 2
        }
        return layout
    }

    /// Streams the rows of `range` (default: all data) into `sink`. Line numbers in errors count
    /// from `firstLine`. Returns whether any row (good or bad) was seen and the lines consumed.
    @discardableResult
    /// `quoting: false` reads a file known to hold no quote in the faster plain mode.
    func parse<S: RatingSink>(path: String, display: String, layout: RatingLayout, range: Range<UInt64>? = nil,
                              firstLine: Int? = nil, quoting: Bool? = nil,
                              into sink: inout S, ledger: inout BadRowLedger) throws -> (sawRow: Bool, lines: Int) {
        let reader = try DelimitedReader(path: path, displayName: display, delimiter: format.delimiter, quoting: quoting ?? format.quoting,
                                         range: range ?? layout.dataStart ..< UInt64.max, firstLine: firstLine ?? layout.dataLine)
        let lineBase = 0
        let expected = layout.fields
        let userCol = layout.user, itemCol = layout.item, ratingCol = layout.rating
        let timeCol = layout.timestamp
        var movie: [UInt8] = []
        var sawRow = false
        loop: while true {
            switch try reader.next() {
            case .endOfFile:
                break loop
            case .malformed(let message):
                try ledger.reject(.badQuoting, file: display, line: lineBase + reader.line, message)
                continue
            case .record:
                break
            }
            sawRow = true
            let line = lineBase + reader.line
            if format.netflixPrize && reader.fieldCount == 1 {
                let f = FieldParsing.trimmed(reader.field(0))
                if f.count >= 2 && f[f.count - 1] == 0x3A, FieldParsing.canonicalUnsigned(UnsafeBufferPointer(rebasing: f[0 ..< f.count - 1])) != nil {
                    movie = Array(f[0 ..< f.count - 1])
                } else {
                    try ledger.reject(.missingId, file: display, line: line,
                                      "expected a 'MovieID:' line or 'CustomerID,Rating,Date', found '\(format.encoding.decode(f))'")
                }
                continue
            }
            if reader.fieldCount != expected {
                try ledger.reject(.fieldCount, file: display, line: line, "expected \(expected) fields, found \(reader.fieldCount)")
                continue
            }
            if format.netflixPrize && movie.isEmpty {
                try ledger.reject(.orphanRating, file: display, line: line, "rating line before any 'MovieID:' line")
                continue
            }
            let user = FieldParsing.trimmed(reader.field(userCol))
            if user.isEmpty {
                try ledger.reject(.missingId, file: display, line: line, "empty user id")
                continue
            }
            let ratingField = reader.field(ratingCol)
            guard let value = FieldParsing.decimal(ratingField) else {
                try ledger.reject(.ratingNotNumeric, file: display, line: line,
                                  "rating '\(format.encoding.decode(ratingField))' is not a number")
                continue
            }
            if !format.scale.contains(value) {
                try ledger.reject(.ratingOutOfScale, file: display, line: line,
                                  "rating \(format.encoding.decode(FieldParsing.trimmed(ratingField))) is outside the scale \(format.scale)")
                continue
            }
            var time: Int64 = 0
            if let tc = timeCol {
                let tf = reader.field(tc)
                guard let t = FieldParsing.timestamp(tf, format.timestampKind, padded: true) else {
                    let expectation = format.timestampKind == .isoDate ? "a YYYY-MM-DD date" : format.timestampKind == .unixSeconds ? "integer seconds since 1970" : "integer seconds or an ISO 8601 date"
                    try ledger.reject(.badTimestamp, file: display, line: line,
                                      "timestamp '\(format.encoding.decode(tf))' is not \(expectation)")
                    continue
                }
                time = t
            }
            let keepGoing: Bool
            if format.netflixPrize {
                keepGoing = movie.withUnsafeBufferPointer { sink.accept(user: user, item: $0, rating: Float(value), timestamp: time, line: line) }
            } else {
                let item = FieldParsing.trimmed(reader.field(itemCol))
                if item.isEmpty {
                    try ledger.reject(.missingId, file: display, line: line, "empty item id")
                    continue
                }
                keepGoing = sink.accept(user: user, item: item, rating: Float(value), timestamp: time, line: line)
            }
            if !keepGoing { break }
        }
        return (sawRow, reader.linesConsumed)
    }
}

/// Appends accepted rows to the rating columns.
struct ColumnSink: RatingSink {
    var columns = RatingColumns()
    var users = IdInterner()
    var items = IdInterner()
    let encoding: TextEncoding
    var keepTimestamps = true

    init(encoding: TextEncoding) { self.encoding = encoding }

    @inline(__always)
    mutating func accept(user: UnsafeBufferPointer<UInt8>, item: UnsafeBufferPointer<UInt8>, rating: Float, timestamp: Int64, line: Int) -> Bool {
        columns.users.append(users.intern(user, encoding: encoding))
        columns.items.append(items.intern(item, encoding: encoding))
        columns.ratings.append(rating)
        if keepTimestamps { columns.timestamps.append(timestamp) }
        return true
    }
}

/// Finds the line of the n-th accepted row of a file.
struct LocateSink: RatingSink {
    var remaining: Int
    var line: Int?

    mutating func accept(user: UnsafeBufferPointer<UInt8>, item: UnsafeBufferPointer<UInt8>, rating: Float, timestamp: Int64, line: Int) -> Bool {
        if remaining == 0 { self.line = line; return false }
        remaining -= 1
        return true
    }
}
