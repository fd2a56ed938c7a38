/// Session-based kNN ("SKNN", as in Ludewig and Jannach's evaluation of session-based
/// recommenders, where it matches neural models): the session so far (its last `window` items:
/// a MovieLens rating session can run to hundreds of titles) is compared with past
/// sessions that share an item with it, the `sampleSize` most recent of them; the `k` most
/// similar (cosine of their item sets: shared items / sqrt(|s| |n|)) vote for their items with
/// their similarity. Ties go to the more recent session, then the smaller index.
///
/// The index holds, per item, the training sessions that contain it, oldest first (CSR), so a
/// query reads only the sessions it can use. Buffers are kept between queries: a query allocates
/// its candidate list and its answer only.
public struct SessionKNN: SessionRecommender {
    public let name = "sknn"
    public let k: Int
    public let sampleSize: Int
    public let window: Int
    let log: SessionLog
    /// Training sessions per item, by start time: `sessionsOf[offsets[i] ..< offsets[i + 1]]`.
    let offsets: [Int]
    let sessionsOf: [Int32]
    /// Per session, its rank by start time among the training sessions (higher: more recent).
    let recency: [Int32]
    private var scores: ItemScores
    private var stamp: [Int32]
    private var sessionStamp: [Int32]
    private var query: Int32 = 0

    public init(_ log: SessionLog, training: [Int], k: Int = 100, sampleSize: Int = 500, window: Int = 10) {
        self.log = log
        self.window = max(1, window)
        self.k = k
        self.sampleSize = sampleSize
        let byStart = training.sorted { log.starts[$0] != log.starts[$1] ? log.starts[$0] < log.starts[$1] : $0 < $1 }
        var recency = [Int32](repeating: -1, count: log.count)
        for (rank, s) in byStart.enumerated() { recency[s] = Int32(rank) }
        var counts = [Int](repeating: 0, count: log.itemCount + 1)
        for s in byStart { for item in log.session(s) { counts[Int(item) + 1] += 1 } }
        for i in 0 ..< log.itemCount { counts[i + 1] += counts[i] }
        var fill = counts
        var sessionsOf = [Int32](repeating: 0, count: counts[log.itemCount])
        for s in byStart {
            for item in log.session(s) {
                sessionsOf[fill[Int(item)]] = Int32(s)
                fill[Int(item)] += 1
            }
        }
        offsets = counts
        self.sessionsOf = sessionsOf
        self.recency = recency
        scores = ItemScores(itemCount: log.itemCount)
        stamp = [Int32](repeating: -1, count: log.itemCount)
        sessionStamp = [Int32](repeating: -1, count: log.count)
    }

    public mutating func recommend(after whole: ArraySlice<UInt32>, n: Int) -> [Int] {
        let prefix = whole.suffix(window)
        query &+= 1
        let q = query
        var distinct = 0
        for item in prefix where Int(item) < log.itemCount && stamp[Int(item)] != q {
            stamp[Int(item)] = q
            distinct += 1
        }
        guard distinct > 0 else { return [] }
        // Candidates: the most recent sessions holding any of the session's items.
        var candidates: [Int32] = []
        for item in prefix where Int(item) < log.itemCount {
            let lo = offsets[Int(item)], hi = offsets[Int(item) + 1]
            for j in stride(from: hi - 1, through: max(lo, hi - sampleSize), by: -1) {
                let s = sessionsOf[j]
                if sessionStamp[Int(s)] != q {
                    sessionStamp[Int(s)] = q
                    candidates.append(s)
                }
            }
        }
        if candidates.count > sampleSize {
            candidates.sort { recency[Int($0)] > recency[Int($1)] }
            candidates.removeLast(candidates.count - sampleSize)
        }
        // The k most similar of them.
        var neighbours: [(similarity: Float, session: Int32)] = []
        neighbours.reserveCapacity(candidates.count)
        for s in candidates {
            let items = log.session(Int(s))
            var shared = 0
            for item in items where stamp[Int(item)] == q { shared += 1 }
            neighbours.append((Float(Double(shared) / (Double(distinct) * Double(items.count)).squareRoot()), s))
        }
        neighbours.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : recency[Int($0.session)] > recency[Int($1.session)] }
        for (similarity, s) in neighbours.prefix(k) {
            for item in log.session(Int(s)) { scores.add(Int(item), similarity) }
        }
        return scores.best(n, excluding: whole)
    }
}
