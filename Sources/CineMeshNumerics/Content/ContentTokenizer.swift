import Foundation

/// Splits catalog text into the words TF-IDF counts. The rules, in order:
///
/// 1. Unicode folding: lower-case, diacritics and width removed (`Foundation`'s
///    `folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive])`), so
///    "Amélie" is `amelie`, "CAFÉ" is `cafe` and a full-width "Ａ" is `a`.
/// 2. A word is a maximal run of Unicode letters and digits (any script: "東京" is one word); every
///    other character separates words. An apostrophe inside a word is dropped with what follows it
///    ("director's" is `director`, "don't" is `don`, then a stop word).
/// 3. Words of one character, words that are all digits, and the English stop words of
///    `ContentStopWords` are dropped.
/// 4. Optional stemming (`stem`, on by default) by the S-stemmer (Harman 1991), which only conflates
///    plurals: `-ies` → `-y` (not after `e` or `a`), `-es` → `-e` (not after `a`, `e`, `o`),
///    `-s` → `` (not after `u` or `s`). "stories" is `story`, "heroes" stays `heroe`, "series" is `sery`:
///    crude, but the same on both sides of a comparison, which is all similarity needs.
public struct ContentTokenizer: Sendable {
    /// Whether words are reduced by the S-stemmer.
    public var stem: Bool

    public init(stem: Bool = true) { self.stem = stem }

    /// The folded form of `text`: lower-case, no diacritics, no width variants.
    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    /// The words of `text`, in order, after folding, stop words and stemming.
    public func words(_ text: String) -> [String] {
        var out: [String] = []
        forEachWord(text) { out.append($0) }
        return out
    }

    /// Calls `body` with each word of `text`, in order.
    public func forEachWord(_ text: String, _ body: (String) -> Void) {
        let folded = Self.fold(text)
        var word = String.UnicodeScalarView()
        var skipping = false   // after an apostrophe inside a word, until the word ends
        func flush() {
            defer { word.removeAll(keepingCapacity: true); skipping = false }
            guard word.count > 1 else { return }
            let w = String(word)
            if w.unicodeScalars.allSatisfy({ $0.properties.numericType != nil }) { return }
            if ContentStopWords.english.contains(w) { return }
            body(stem ? Self.sStem(w) : w)
        }
        for s in folded.unicodeScalars {
            if s.properties.isAlphabetic || s.properties.numericType != nil {
                if !skipping { word.append(s) }
            } else if (s == "'" || s == "\u{2019}") && !word.isEmpty {
                skipping = true
            } else {
                flush()
            }
        }
        flush()
    }

    /// The S-stemmer (Harman 1991) on a folded word: plurals only.
    public static func sStem(_ w: String) -> String {
        guard w.count > 3 else { return w }
        if w.hasSuffix("ies") && !w.hasSuffix("eies") && !w.hasSuffix("aies") { return String(w.dropLast(3)) + "y" }
        if w.hasSuffix("es") && !w.hasSuffix("aes") && !w.hasSuffix("ees") && !w.hasSuffix("oes") { return String(w.dropLast(1)) }
        if w.hasSuffix("s") && !w.hasSuffix("us") && !w.hasSuffix("ss") { return String(w.dropLast(1)) }
        return w
    }
}

/// The English stop words the tokenizer drops: articles, pronouns, auxiliaries, prepositions and
/// conjunctions (a short list in the spirit of the common IR lists; content words such as "love"
/// or "war" are kept, since they describe a title).
public enum ContentStopWords {
    public static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
        "does", "doing", "don", "down", "during", "each", "even", "ever", "every", "few", "for", "from", "further", "get",
        "gets", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
        "however", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "much",
        "must", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our",
        "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the",
        "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "upon", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "whose", "why", "will", "with", "within", "without", "would", "you", "your", "yours", "yourself",
        "yourselves",
    ]
}
