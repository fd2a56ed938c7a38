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

/// Parses rating rows of one file, applying the bad-row policy. The same loop serves ingestion and
/// the re-scan that finds the line of a given row (for duplicate errors), so both agree exactly on
/// which rows count.
struct RatingFileParser {
    let format: RatingRowFormat
    /// Whether the mapping came from the user or a known layout (else guessed from the header).
    let mappingGiven: Bool

    /// Streams `path` into `sink`. Returns the file's size and XXH64, and whether it had a timestamp column.
    @discardableResult
    func parse<S: RatingSink>(path: String, display: String, into sink: inout S, ledger: inout BadRowLedger) throws -> (bytes: UInt64, checksum: UInt64, timestamps: Bool) {
        let reader = try DelimitedReader(path: path, displayName: display, delimiter: format.delimiter, quoting: format.quoting)
        var userCol = 0, itemCol = 1, ratingCol = 2
        var timeCol: Int? = nil
        var expected = 0
        switch (format.mapping.user, format.mapping.item, format.mapping.rating, format.mapping.timestamp) {
        case (.index(let u), .index(let i), .index(let r), let t):
            userCol = u; itemCol = i; ratingCol = r
            if case .index(let ti)? = t { timeCol = ti }
            expected = max(u, i, r, timeCol ?? 0) + 1
        default: break
        }
        if format.header {
            guard try reader.next() == .record else {
                throw DataError(.emptyFile, file: display, "no header line")
            }
            let names = (0 ..< reader.fieldCount).map { format.encoding.decode(reader.field($0)) }
            let mapping = mappingGiven ? format.mapping : try ColumnMapping.guess(header: names, file: display)
            (userCol, itemCol, ratingCol, timeCol) = try mapping.resolve(header: names, file: display)
            expected = names.count
        }
        if format.netflixPrize { expected = 3; timeCol = 2 }
        var movie: [UInt8] = []
        var sawRow = false
        loop: while true {
            switch try reader.next() {
            case .endOfFile:
                break loop
            case .malformed(let message):
                try ledger.reject(.badQuoting, file: display, line: reader.line, message)
                continue
            case .record:
                break
            }
            sawRow = true
            let line = reader.line
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
                guard let t = FieldParsing.timestamp(tf, format.timestampKind) else {
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
        if !sawRow {
            throw DataError(.emptyFile, file: display, "no rating rows")
        }
        return (reader.bytesRead, reader.hasher.finalize(), timeCol != nil)
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
