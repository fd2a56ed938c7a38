/// Matches titles of two catalogs (e.g. the Netflix titles catalog and MovieLens' "Title (Year)")
/// by normalized title and year.
///
/// Normalization (`normalize`): a trailing year `(1999)` is cut; folding as `ContentTokenizer.fold`
/// (lower-case, diacritics and width removed: "Amélie" is `amelie`); `&` reads `and`; every
/// character but letters and digits is a space (apostrophes vanish: "Schindler's" is
/// `schindlers`), spaces collapse; a trailing article after a comma ("Matrix, The", also ", A",
/// ", An" and the common French, Spanish, Italian and German ones MovieLens uses: ", Le", ", La",
/// ", Les", ", L'", ", El", ", Il", ", Die", ", Der", ", Das") is dropped, and so is a leading
/// "the", "a" or "an". MovieLens alternate titles in parentheses ("Seven (a.k.a. Se7en)",
/// "Cité des enfants perdus, La") are keys of their own (`keys`).
///
/// Two titles match when a key of one equals a key of the other and their years are within
/// `yearTolerance` (release years differ by one between catalogs now and then: festival against
/// theatrical release); the exact year is preferred, then the smaller row.
public struct TitleMatcher: Sendable {
    /// One title of a catalog.
    public struct Title: Sendable {
        public var title: String
        public var year: Int?
        public init(_ title: String, year: Int?) {
            self.title = title
            self.year = year
        }
    }

    /// How the titles of the left catalog found the right one.
    public struct Report: Sendable, Equatable {
        /// For each left row, the matched right row (nil: no match).
        public var matches: [Int?]
        /// Left rows matched with the same year.
        public var exactYear: Int
        /// Left rows matched with a year off by at most the tolerance (not 0).
        public var nearYear: Int
        /// Left rows with a year (only those can match).
        public var withYear: Int

        /// Matched left rows.
        public var matched: Int { exactYear + nearYear }
    }

    private static let leadingArticles: Set<String> = ["the", "a", "an"]
    private static let trailingArticles: Set<String> = ["the", "a", "an", "le", "la", "les", "l", "el", "il", "die", "der", "das"]

    public let yearTolerance: Int

    public init(yearTolerance: Int = 1) { self.yearTolerance = yearTolerance }

    /// `title` without a trailing `(1999)` (or `(2006-2007)`) and surrounding spaces.
    public static func withoutYear(_ title: String) -> String {
        var t = Substring(title).trimmingCharacters(in: " ")
        if t.hasSuffix(")"), let open = t.lastIndex(of: "(") {
            let inner = t[t.index(after: open) ..< t.index(before: t.endIndex)]
            let digits = inner.prefix(4)
            if digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
               inner.dropFirst(4).allSatisfy({ $0 == "-" || $0 == "–" || ($0.isASCII && $0.isNumber) }) {
                t = t[..<open].trimmingCharacters(in: " ")
            }
        }
        return String(t)
    }

    /// The normalized form of one title (no alternates): see the type's comment.
    public static func normalize(_ title: String) -> String {
        let folded = ContentTokenizer.fold(withoutYear(title))
        var words: [String] = []
        var word = ""
        var commaBefore: [Bool] = []   // whether a comma came between the previous word and this one
        var sawComma = false
        func flush() {
            guard !word.isEmpty else { return }
            words.append(word)
            commaBefore.append(sawComma)
            word = ""
            sawComma = false
        }
        for ch in folded {
            if ch.isLetter || ch.isNumber {
                word.append(ch)
            } else if ch == "'" || ch == "\u{2019}" {
                // An apostrophe joins ("schindler's" → "schindlers"), except the French "l'" article.
                if word == "l" && !words.isEmpty && commaBefore.last != nil { flush() }
            } else {
                flush()
                if ch == "&" { words.append("and"); commaBefore.append(sawComma); sawComma = false }
                if ch == "," { sawComma = true }
            }
        }
        flush()
        if words.count > 1, commaBefore.last == true, trailingArticles.contains(words.last!) {
            words.removeLast()
        }
        if words.count > 1, leadingArticles.contains(words[0]) { words.removeFirst() }
        return words.joined(separator: " ")
    }

    /// Every normalized key of `title`: its main title and each parenthesized alternate
    /// ("a.k.a." dropped), without duplicates or empty keys.
    public static func keys(_ title: String) -> [String] {
        var main = Substring(withoutYear(title))
        var alternates: [Substring] = []
        while main.hasSuffix(")"), let open = main.lastIndex(of: "("), open != main.startIndex {
            var alt = main[main.index(after: open) ..< main.index(before: main.endIndex)]
            for prefix in ["a.k.a. ", "aka ", "a.k.a "] where alt.lowercased().hasPrefix(prefix) { alt = alt.dropFirst(prefix.count) }
            alternates.append(alt)
            main = Substring(main[..<open].trimmingCharacters(in: " "))
        }
        var out: [String] = []
        for t in [main] + alternates {
            let k = normalize(String(t))
            if !k.isEmpty && !out.contains(k) { out.append(k) }
        }
        return out
    }

    /// The rows of `titles` whose normalized keys equal `query`'s, in row order.
    public static func find(_ query: String, in titles: [String]) -> [Int] {
        let wanted = Set(keys(query))
        return titles.indices.filter { !wanted.isDisjoint(with: keys(titles[$0])) }
    }

    /// Up to `limit` rows of `titles` that look like `query` when nothing matches it: titles whose
    /// key contains the query's key first (shortest first), then those within an edit distance of
    /// a third of the query's length (closest first).
    public static func suggestions(for query: String, in titles: [String], limit: Int = 5) -> [Int] {
        let q = normalize(query)
        guard !q.isEmpty else { return [] }
        let budget = max(2, q.count / 3)
        var ranked: [(rank: Int, row: Int)] = []
        for (row, t) in titles.enumerated() {
            let key = normalize(t)
            if key.contains(q) { ranked.append((key.count - q.count, row)); continue }
            if abs(key.count - q.count) > budget { continue }
            let d = editDistance(Array(q.unicodeScalars), Array(key.unicodeScalars))
            if d <= budget { ranked.append((1000 + d, row)) }
        }
        return ranked.sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.row < $1.row }.prefix(limit).map(\.row)
    }

    /// Levenshtein distance (insertions, deletions, substitutions) with one row of memory.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        var row = Array(0 ... b.count)
        for i in 1 ... a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1 ... max(1, b.count) where !b.isEmpty {
                let up = row[j]
                row[j] = min(up + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = up
            }
        }
        return row[b.count]
    }

    /// Matches every title of `left` to one of `right` (see the type's comment).
    public func match(_ left: [Title], to right: [Title]) -> Report {
        var byKey: [String: [Int]] = [:]
        for (j, t) in right.enumerated() where t.year != nil {
            for k in Self.keys(t.title) { byKey[k, default: []].append(j) }
        }
        var report = Report(matches: [Int?](repeating: nil, count: left.count), exactYear: 0, nearYear: 0, withYear: 0)
        for (i, t) in left.enumerated() {
            guard let year = t.year else { continue }
            report.withYear += 1
            var best: (row: Int, gap: Int)?
            for k in Self.keys(t.title) {
                for j in byKey[k] ?? [] {
                    let gap = abs(right[j].year! - year)
                    guard gap <= yearTolerance else { continue }
                    if best == nil || gap < best!.gap || (gap == best!.gap && j < best!.row) { best = (j, gap) }
                }
            }
            if let best {
                report.matches[i] = best.row
                if best.gap == 0 { report.exactYear += 1 } else { report.nearYear += 1 }
            }
        }
        return report
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
