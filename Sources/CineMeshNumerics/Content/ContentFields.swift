import CineMeshData

/// The field groups an item's content vector is made of. Metadata values are whole tokens in a
/// namespace of their own (`genre:dramas`, `director:martin scorsese`, `decade:1990s`), so a
/// director's name never mixes with the words of a description; text (title and description) and
/// tags are split into words by `ContentTokenizer`, tags in their own namespace (`tag:quotable`).
public enum ContentField: String, Sendable, CaseIterable, Codable {
    /// Catalog column `genres` (Netflix `listed_in`, MovieLens genres).
    case genre
    /// Catalog column `directors`.
    case director
    /// Catalog column `cast`.
    case cast
    /// Catalog column `countries`.
    case country
    /// Catalog column `type` (Netflix: Movie or TV Show).
    case type
    /// Catalog column `year`, as its decade (`decade:1990s`).
    case decade
    /// The words of the title (without a trailing `(1999)`) and of the `description` column.
    case text
    /// The words of the users' free-text tags of the item (MovieLens `tags.csv`).
    case tag
}

/// How much each field group counts. Each group's part of an item vector is TF-IDF weighted and
/// L2-normalized on its own, then multiplied by its weight, and the whole vector is L2-normalized
/// again. The cosine of two items that both have every group is therefore the mean of the
/// per-group cosines weighted by the squared weights: with the defaults genre 1, text 1, tags 0.8,
/// director and cast 0.6, country, type and decade 0.4 (squares 1, 1, .64, .36, .36, .16, .16,
/// .16), genres and text decide most, and a shared director or cast adds a clear but smaller
/// share. A weight of 0 leaves a group out.
public struct ContentWeights: Sendable, Equatable, Codable {
    public var genre = 1.0
    public var director = 0.6
    public var cast = 0.6
    public var country = 0.4
    public var type = 0.4
    public var decade = 0.4
    public var text = 1.0
    public var tag = 0.8

    public init() {}

    /// The weight of `field`.
    public subscript(field: ContentField) -> Double {
        get {
            switch field {
            case .genre: genre
            case .director: director
            case .cast: cast
            case .country: country
            case .type: type
            case .decade: decade
            case .text: text
            case .tag: tag
            }
        }
        set {
            switch field {
            case .genre: genre = newValue
            case .director: director = newValue
            case .cast: cast = newValue
            case .country: country = newValue
            case .type: type = newValue
            case .decade: decade = newValue
            case .text: text = newValue
            case .tag: tag = newValue
            }
        }
    }
}

/// The tokens of every item, by field group: what `TfidfMatrix` weighs. Item `i` is catalog row `i`.
public struct ContentDocuments: Sendable {
    /// The catalog's `item` column: the external id of each row.
    public var itemIds: [String]
    /// `tokens[field][item]`: the tokens of one item in one group, repeats kept (they are the term
    /// frequencies).
    public var tokens: [ContentField: [[String]]]

    public init(itemIds: [String], tokens: [ContentField: [[String]]]) {
        self.itemIds = itemIds
        self.tokens = tokens
    }

    /// The documents of a catalog table (columns as `cinemesh ingest` writes them: `item`, `title`,
    /// `year`, `genres`, and where the source has them `directors`, `cast`, `countries`, `type`,
    /// `description`) and of a tags table (`item`, `tag`). A catalog without an `item` or `title`
    /// column is refused naming `file`.
    public static func from(catalog: ColumnTable, tags: ColumnTable?, tokenizer: ContentTokenizer = ContentTokenizer(),
                            file: String = "catalog") throws -> ContentDocuments {
        guard let ids = catalog.strings("item") else { throw DataError(.usage, file: file, "the catalog has no 'item' column") }
        guard let titles = catalog.strings("title") else { throw DataError(.usage, file: file, "the catalog has no 'title' column") }
        let n = ids.count
        var tokens: [ContentField: [[String]]] = [:]
        func namespaced(_ column: String, _ field: ContentField) {
            guard let lists = catalog.stringLists(column) else { return }
            tokens[field] = lists.map { values in
                values.compactMap { v in
                    let folded = ContentTokenizer.fold(v).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    return folded.isEmpty ? nil : "\(field.rawValue):\(folded)"
                }
            }
        }
        namespaced("genres", .genre)
        namespaced("directors", .director)
        namespaced("cast", .cast)
        namespaced("countries", .country)
        if let types = catalog.strings("type") {
            tokens[.type] = types.map { t in
                let folded = ContentTokenizer.fold(t).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                return folded.isEmpty ? [] : ["type:\(folded)"]
            }
        }
        if let years = catalog.ints("year") {
            tokens[.decade] = years.map { y in y.map { ["decade:\($0 / 10 * 10)s"] } ?? [] }
        }
        let descriptions = catalog.strings("description")
        tokens[.text] = (0 ..< n).map { i in
            var words = tokenizer.words(TitleMatcher.withoutYear(titles[i]))
            if let d = descriptions?[i] { tokenizer.forEachWord(d) { words.append($0) } }
            return words
        }
        if let tags, let tagItems = tags.strings("item"), let tagTexts = tags.strings("tag") {
            var row: [String: Int] = [:]
            for (i, id) in ids.enumerated() { row[id] = i }
            var lists = [[String]](repeating: [], count: n)
            for (item, text) in zip(tagItems, tagTexts) {
                guard let i = row[item] else { continue }
                tokenizer.forEachWord(text) { lists[i].append("tag:\($0)") }
            }
            tokens[.tag] = lists
        }
        return ContentDocuments(itemIds: ids, tokens: tokens)
    }
}
