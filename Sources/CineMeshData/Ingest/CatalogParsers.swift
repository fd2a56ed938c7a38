/// Reads the small companion files (catalogs, user attributes, tags, links) into `ColumnTable`s.
/// They are at most a few hundred thousand rows, so records are decoded to Strings.
enum CatalogParsers {
    /// The MovieLens 100K genre list, used when `u.genre` is absent.
    static let movieLens100KGenres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                                      "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                                      "Romance", "Sci-Fi", "Thriller", "War", "Western"]

    struct Records {
        var header: [String] = []
        var rows: [[String]] = []
        var lines: [Int] = []
        var bytes: UInt64 = 0
        var checksum: UInt64 = 0
    }

    /// All records of a delimited file, with the field-count rule applied through the ledger.
    /// `fields` is the exact count required (nil: the header's count), `minimumFields` a lower bound instead.
    static func records(_ path: String, display: String, delimiter: [UInt8], quoting: Bool, header: Bool,
                        fields: Int? = nil, minimumFields: Int? = nil, encoding: TextEncoding,
                        ledger: inout BadRowLedger) throws -> Records {
        let reader = try DelimitedReader(path: path, displayName: display, delimiter: delimiter, quoting: quoting)
        var out = Records()
        var expected = fields
        loop: while true {
            switch try reader.next() {
            case .endOfFile: break loop
            case .malformed(let m):
                try ledger.reject(.badQuoting, file: display, line: reader.line, m)
                continue
            case .record: break
            }
            let values = (0 ..< reader.fieldCount).map { encoding.decode(reader.field($0)) }
            if header && out.header.isEmpty {
                out.header = values.map(\.trimmingSpaces)
                if expected == nil && minimumFields == nil { expected = values.count }
                continue
            }
            if let e = expected, values.count != e {
                try ledger.reject(.fieldCount, file: display, line: reader.line, "expected \(e) fields, found \(values.count)")
                continue
            }
            if let m = minimumFields, values.count < m {
                try ledger.reject(.fieldCount, file: display, line: reader.line, "expected at least \(m) fields, found \(values.count)")
                continue
            }
            out.rows.append(values)
            out.lines.append(reader.line)
        }
        out.bytes = reader.bytesRead
        out.checksum = reader.hasher.finalize()
        return out
    }

    /// Column index of a header name, or an error naming the file.
    static func column(_ name: String, in r: Records, file: String) throws -> Int {
        guard let i = r.header.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw DataError(.usage, file: file, line: 1, "no '\(name)' column in the header (\(r.header.joined(separator: ", ")))")
        }
        return i
    }

    /// The year in a trailing `(1995)` of a MovieLens title.
    static func yearInTitle(_ title: String) -> Int64? {
        let t = title.trimmingSpaces
        guard t.hasSuffix(")"), let open = t.lastIndex(of: "(") else { return nil }
        let inner = t[t.index(after: open) ..< t.index(before: t.endIndex)]
        let digits = inner.prefix(4)
        guard digits.count == 4, digits.allSatisfy(\.isASCII), let y = Int64(digits), (1800 ... 2200).contains(y) else { return nil }
        return y
    }

    static func list(_ text: String, separator: Character) -> [String] {
        text.split(separator: separator).map(\.trimmingSpaces).filter { !$0.isEmpty }
    }

    static func optionalInt(_ text: String) -> Int64? { Int64(text.trimmingSpaces) }

    // MARK: catalogs

    /// MovieLens 100K `u.item`: id|title|release date|video release date|IMDb URL|19 genre flags.
    static func movieLens100KItems(_ r: Records, genres: [String], file: String, ledger: inout BadRowLedger) throws -> ColumnTable {
        var ids: [String] = [], titles: [String] = [], years: [Int64?] = [], dates: [String] = [], urls: [String] = [], gs: [[String]] = []
        for (row, line) in zip(r.rows, r.lines) {
            let flags = row[5...]
            guard flags.allSatisfy({ $0 == "0" || $0 == "1" }) else {
                try ledger.reject(.fieldCount, file: file, line: line, "genre flags must be 0 or 1")
                continue
            }
            ids.append(row[0].trimmingSpaces)
            titles.append(row[1])
            dates.append(row[2])
            let y = row[2].count >= 4 ? Int64(row[2].suffix(4)) : nil
            years.append(y ?? yearInTitle(row[1]))
            urls.append(row[4])
            gs.append(flags.enumerated().compactMap { $0.element == "1" ? genres[$0.offset] : nil })
        }
        return ColumnTable(columns: [.init("item", .string(ids)), .init("title", .string(titles)), .init("year", .int(years)),
                                     .init("genres", .stringList(gs)), .init("release_date", .string(dates)), .init("imdb_url", .string(urls))])
    }

    /// MovieLens `movies.csv` (`movieId,title,genres`, plus optional `year` and `|`-joined `countries`
    /// as written by `cinemesh generate`) or `movies.dat` (`MovieID::Title::Genres`, no header).
    static func movieLensMovies(_ r: Records, header: Bool, file: String) throws -> ColumnTable {
        let idCol = header ? try column("movieId", in: r, file: file) : 0
        let titleCol = header ? try column("title", in: r, file: file) : 1
        let genreCol = header ? try column("genres", in: r, file: file) : 2
        let yearCol = header ? r.header.firstIndex { $0.lowercased() == "year" } : nil
        let countryCol = header ? r.header.firstIndex { $0.lowercased() == "countries" } : nil
        let ids = r.rows.map { $0[idCol].trimmingSpaces }
        let titles = r.rows.map { $0[titleCol] }
        let years: [Int64?] = r.rows.map { row in yearCol.flatMap { optionalInt(row[$0]) } ?? yearInTitle(row[titleCol]) }
        let genres = r.rows.map { row in list(row[genreCol], separator: "|").filter { $0 != "(no genres listed)" } }
        var columns: [ColumnTable.Column] = [.init("item", .string(ids)), .init("title", .string(titles)), .init("year", .int(years)), .init("genres", .stringList(genres))]
        if let c = countryCol { columns.append(.init("countries", .stringList(r.rows.map { list($0[c], separator: "|") }))) }
        return ColumnTable(columns: columns)
    }

    /// Netflix Prize `movie_titles.csv`: `MovieID,YearOfRelease,Title`; titles hold unquoted commas.
    static func netflixPrizeTitles(_ r: Records) -> ColumnTable {
        ColumnTable(columns: [
            .init("item", .string(r.rows.map { $0[0].trimmingSpaces })),
            .init("title", .string(r.rows.map { $0[2...].joined(separator: ",") })),
            .init("year", .int(r.rows.map { optionalInt($0[1]) })),
        ])
    }

    /// The Netflix titles catalog; multi-valued director, cast, country and listed_in become lists.
    static func netflixTitles(_ r: Records, file: String) throws -> ColumnTable {
        let names = ["show_id", "type", "title", "director", "cast", "country", "date_added", "release_year", "rating", "duration", "listed_in", "description"]
        let idx = try names.map { try column($0, in: r, file: file) }
        func strings(_ k: Int) -> [String] { r.rows.map { $0[idx[k]] } }
        func lists(_ k: Int) -> [[String]] { r.rows.map { list($0[idx[k]], separator: ",") } }
        return ColumnTable(columns: [
            .init("item", .string(strings(0).map(\.trimmingSpaces))), .init("type", .string(strings(1))), .init("title", .string(strings(2))),
            .init("directors", .stringList(lists(3))), .init("cast", .stringList(lists(4))), .init("countries", .stringList(lists(5))),
            .init("date_added", .string(strings(6).map(\.trimmingSpaces))), .init("year", .int(strings(7).map(optionalInt))),
            .init("maturity_rating", .string(strings(8))), .init("duration", .string(strings(9))),
            .init("genres", .stringList(lists(10))), .init("description", .string(strings(11))),
        ])
    }

    /// Adds `imdbId`/`tmdbId` from MovieLens `links.csv` to a catalog, matched on the item id.
    static func addLinks(_ r: Records, to catalog: inout ColumnTable, file: String) throws {
        let idCol = try column("movieId", in: r, file: file)
        var byItem: [String: [String]] = [:]
        for row in r.rows { byItem[row[idCol].trimmingSpaces] = row }
        let items = catalog.strings("item") ?? []
        for (k, name) in r.header.enumerated() where k != idCol {
            catalog.append(.init(name, .string(items.map { byItem[$0]?[k].trimmingSpaces ?? "" })))
        }
    }

    // MARK: users and tags

    /// `u.user` (id|age|gender|occupation|zip) or `users.dat` (UserID::Gender::Age::Occupation::Zip).
    static func users(_ r: Records, format: SourceFormat) -> ColumnTable {
        let dat = format == .movieLensDat
        return ColumnTable(columns: [
            .init("user", .string(r.rows.map { $0[0].trimmingSpaces })),
            .init("age", .int(r.rows.map { optionalInt($0[dat ? 2 : 1]) })),
            .init("gender", .string(r.rows.map { $0[dat ? 1 : 2] })),
            .init("occupation", .string(r.rows.map { $0[3] })),
            .init("zip", .string(r.rows.map { $0[4] })),
        ])
    }

    /// `tags.csv` (header userId,movieId,tag,timestamp) or `tags.dat` (same order, `::`).
    static func tags(_ r: Records, header: Bool, file: String) throws -> ColumnTable {
        let cols = header ? try ["userId", "movieId", "tag", "timestamp"].map { try column($0, in: r, file: file) } : [0, 1, 2, 3]
        return ColumnTable(columns: [
            .init("user", .string(r.rows.map { $0[cols[0]].trimmingSpaces })),
            .init("item", .string(r.rows.map { $0[cols[1]].trimmingSpaces })),
            .init("tag", .string(r.rows.map { $0[cols[2]] })),
            .init("timestamp", .int(r.rows.map { optionalInt($0[cols[3]]) })),
        ])
    }
}
