import CineMeshModel

/// A next-item recommender for a session under way: given the items of the session so far, in
/// order, the `n` items it expects next, best first, never one already in the session.
public protocol SessionRecommender {
    /// A short name for tables ("sknn", "sr", "popular").
    var name: String { get }
    /// The `n` best next items after `prefix` (item indices), best first.
    mutating func recommend(after prefix: ArraySlice<UInt32>, n: Int) -> [Int]
}

/// Scores accumulated per item for one query, then the best `n`: a dense score array touched
/// sparsely and reset by the list of touched items, so a query allocates nothing but its answer.
struct ItemScores {
    private var scores: [Float]
    private var touched: [Int] = []
    private var heap = BoundedHeap(capacity: 1)
    private var capacity = 1

    init(itemCount: Int) { scores = [Float](repeating: 0, count: itemCount) }

    @inline(__always)
    mutating func add(_ item: Int, _ score: Float) {
        if scores[item] == 0 { touched.append(item) }
        scores[item] += score
    }

    /// The best `n` touched items with a positive score, leaving out `excluded`; then resets.
    mutating func best(_ n: Int, excluding excluded: ArraySlice<UInt32>) -> [Int] {
        for item in excluded where Int(item) < scores.count { scores[Int(item)] = 0 }
        if max(n, 1) != capacity {
            capacity = max(n, 1)
            heap = BoundedHeap(capacity: capacity)
        }
        heap.removeAll()
        for item in touched where scores[item] > 0 { heap.offer(item: item, score: scores[item]) }
        for item in touched { scores[item] = 0 }
        touched.removeAll(keepingCapacity: true)
        return n == 0 ? [] : heap.sorted().map(\.item)
    }
}

/// The baseline: the items in the most training sessions, the same for everyone.
public struct MostPopularNext: SessionRecommender {
    public let name = "popular"
    /// Items by training-session count, most first (ties: smaller index).
    let ranked: [Int]

    public init(_ log: SessionLog, training: [Int]) {
        var counts = [Int](repeating: 0, count: log.itemCount)
        var seen = [Int](repeating: -1, count: log.itemCount)
        for s in training {
            for item in log.session(s) where seen[Int(item)] != s {
                seen[Int(item)] = s
                counts[Int(item)] += 1
            }
        }
        ranked = (0 ..< log.itemCount).filter { counts[$0] > 0 }.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
    }

    public mutating func recommend(after prefix: ArraySlice<UInt32>, n: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(n)
        for item in ranked where out.count < n && !prefix.contains(UInt32(item)) { out.append(item) }
        return out
    }
}
