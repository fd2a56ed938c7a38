/// The best `capacity` (item, score) pairs offered so far, in a min-heap held in two preallocated
/// arrays: offering is O(log capacity) and allocates nothing. "Better" is a higher score, then the
/// smaller item on equal scores.
public struct BoundedHeap: Sendable {
    private var items: [Int]
    private var scores: [Float]
    public private(set) var size = 0

    public init(capacity: Int) {
        items = [Int](repeating: 0, count: capacity)
        scores = [Float](repeating: 0, count: capacity)
    }

    public var isFull: Bool { size == items.count }

    /// The score of the worst pair kept (meaningful once something was offered).
    public var worstScore: Float { scores[0] }

    @inline(__always)
    private static func worse(_ sa: Float, _ ia: Int, _ sb: Float, _ ib: Int) -> Bool { sa < sb || (sa == sb && ia > ib) }

    @inline(__always)
    public mutating func offer(item: Int, score: Float) {
        if size < items.count {
            var c = size
            size += 1
            while c > 0 {
                let parent = (c - 1) / 2
                if !Self.worse(score, item, scores[parent], items[parent]) { break }
                scores[c] = scores[parent]; items[c] = items[parent]
                c = parent
            }
            scores[c] = score; items[c] = item
        } else if size > 0, Self.worse(scores[0], items[0], score, item) {
            siftDown(item: item, score: score)
        }
    }

    /// Forgets every pair, keeping the storage: one heap serves query after query.
    public mutating func removeAll() { size = 0 }

    /// Puts (item, score) in the root's place and moves it down to where it belongs among `size` pairs.
    @inline(__always)
    private mutating func siftDown(item: Int, score: Float) {
        var c = 0
        while true {
            let l = 2 * c + 1
            if l >= size { break }
            var w = l
            if l + 1 < size && Self.worse(scores[l + 1], items[l + 1], scores[l], items[l]) { w = l + 1 }
            if !Self.worse(scores[w], items[w], score, item) { break }
            scores[c] = scores[w]; items[c] = items[w]
            c = w
        }
        scores[c] = score; items[c] = item
    }

    /// Removes and returns the worst pair kept (`size` must be positive); draining a heap this way
    /// gives its pairs worst first and leaves it empty for reuse, without allocating.
    public mutating func popWorst() -> (item: Int, score: Float) {
        let top = (item: items[0], score: scores[0])
        size -= 1
        if size > 0 { siftDown(item: items[size], score: scores[size]) }
        return top
    }

    /// The pairs kept, best first.
    public func sorted() -> [(item: Int, score: Float)] {
        (0 ..< size).map { (item: items[$0], score: scores[$0]) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
    }
}
