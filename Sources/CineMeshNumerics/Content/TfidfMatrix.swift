import Foundation

/// TF-IDF item vectors built from `ContentDocuments`, one L2-normalized row per item.
///
/// The variant is scikit-learn's `TfidfVectorizer` defaults (SMART "ntc"), applied per field group:
/// - tf is the raw count of a term in the item's group (natural, not sublinear);
/// - idf is smoothed, `idf(t) = ln((1 + n) / (1 + df(t))) + 1`, with `n` the number of items
///   (empty ones included) and `df(t)` the number of items holding `t`: as if one extra document
///   held every term once, so no division by zero and a term in every item still weighs 1;
/// - each group's part of the row (`tf * idf` over that group's terms) is L2-normalized on its
///   own and multiplied by the group's weight (`ContentWeights`), and the whole row is
///   L2-normalized again, so a row's dot product with another is their cosine.
/// An item with no token in any weighted group is an empty row (similar to nothing).
public struct TfidfMatrix: Sendable {
    /// Term `t`'s token, e.g. `genre:dramas` or `murder`.
    public let vocabulary: [String]
    /// Term `t`'s smoothed idf.
    public let idf: [Float]
    /// The item vectors: rows are items, columns terms.
    public let rows: SparseRows

    /// Weighs `documents` as described above.
    public init(_ documents: ContentDocuments, weights: ContentWeights = ContentWeights()) {
        let n = documents.itemIds.count
        var termOf: [String: Int32] = [:]
        var vocabulary: [String] = []
        var df: [Int] = []
        let groups = ContentField.allCases.filter { weights[$0] > 0 && documents.tokens[$0] != nil }
        // Term ids per (group, item), and each term's document frequency (counted once per item).
        var ids: [[[Int32]]] = []
        for g in groups {
            let lists = documents.tokens[g]!
            var lastItem: [Int] = []
            ids.append(lists.enumerated().map { item, tokens in
                tokens.map { token in
                    let t: Int32
                    if let known = termOf[token] { t = known } else {
                        t = Int32(vocabulary.count)
                        termOf[token] = t
                        vocabulary.append(token)
                        df.append(0)
                    }
                    let ti = Int(t)
                    while lastItem.count <= ti { lastItem.append(-1) }
                    if lastItem[ti] != item { lastItem[ti] = item; df[ti] += 1 }
                    return t
                }
            })
        }
        let idf = df.map { Float(log(Double(1 + n) / Double(1 + $0)) + 1) }
        var offsets = [0]
        offsets.reserveCapacity(n + 1)
        var columns: [Int32] = [], values: [Float] = []
        var scratch: [Int32] = []
        for item in 0 ..< n {
            let rowStart = columns.count
            for (gi, g) in groups.enumerated() {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: ids[gi][item])
                guard !scratch.isEmpty else { continue }
                scratch.sort()
                let groupStart = columns.count
                var p = 0
                while p < scratch.count {
                    var q = p + 1
                    while q < scratch.count && scratch[q] == scratch[p] { q += 1 }
                    columns.append(scratch[p])
                    values.append(Float(q - p) * idf[Int(scratch[p])])
                    p = q
                }
                var norm: Float = 0
                for v in values[groupStart...] { norm += v * v }
                let scale = Float(weights[g]) / norm.squareRoot()
                for k in groupStart ..< values.count { values[k] *= scale }
            }
            var norm: Float = 0
            for v in values[rowStart...] { norm += v * v }
            if norm > 0 {
                let scale = 1 / norm.squareRoot()
                for k in rowStart ..< values.count { values[k] *= scale }
            }
            // Groups have disjoint vocabularies, but their ids interleave: sort the row by column.
            if columns.count - rowStart > 1 {
                var pairs = Array(zip(columns[rowStart...], values[rowStart...]))
                pairs.sort { $0.0 < $1.0 }
                for (k, pair) in pairs.enumerated() { columns[rowStart + k] = pair.0; values[rowStart + k] = pair.1 }
            }
            offsets.append(columns.count)
        }
        self.vocabulary = vocabulary
        self.idf = idf
        rows = SparseRows(rowCount: n, columnCount: vocabulary.count, offsets: offsets, columns: columns, values: values)
    }
}
