import CineMeshModel

/// Recommendations for a user from content: the user's profile is the rating-weighted mean of the
/// vectors of the items they rated, `p = Σ r_i x_i / Σ r_i`, and an item's score is its cosine with
/// `p` (`x_j · p / |p|`, the rows being unit vectors). Items the user rated are left out. Scores go
/// through the same inverted index as `CosineNeighbors`, so only items sharing a term are touched.
public struct ContentProfile {
    /// The item vectors.
    public let rows: SparseRows
    /// Their transpose: term → items.
    public let index: SparseRows

    public init(rows: SparseRows) {
        self.rows = rows
        index = rows.transposed()
    }

    /// The best `n` items for a user who gave `ratings[k]` to item `items[k]`, best first (score
    /// above 0 only). Ratings must be positive (a 0.5 to 5 scale, or 1 for implicit feedback).
    public func recommend(items: [Int], ratings: [Float], n: Int) -> [(item: Int, score: Float)] {
        precondition(items.count == ratings.count)
        var profile = [Float](repeating: 0, count: rows.columnCount)
        var total: Float = 0
        for (i, r) in zip(items, ratings) {
            total += r
            for p in rows.range(of: i) { profile[Int(rows.columns[p])] += r * rows.values[p] }
        }
        guard total > 0 else { return [] }
        var norm: Float = 0
        for t in 0 ..< profile.count where profile[t] != 0 {
            profile[t] /= total
            norm += profile[t] * profile[t]
        }
        guard norm > 0 else { return [] }
        let scale = 1 / norm.squareRoot()
        var acc = [Float](repeating: 0, count: rows.rowCount)
        for t in 0 ..< profile.count where profile[t] != 0 {
            let w = profile[t] * scale
            for q in index.range(of: t) { acc[Int(index.columns[q])] += w * index.values[q] }
        }
        for i in items { acc[i] = 0 }
        var heap = BoundedHeap(capacity: max(1, n))
        for j in 0 ..< acc.count where acc[j] > 0 { heap.offer(item: j, score: acc[j]) }
        return heap.sorted()
    }
}
