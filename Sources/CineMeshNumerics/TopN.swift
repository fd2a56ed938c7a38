/// Top-N recommendation from a factor model: one pass over the contiguous item factors, the best n
/// kept in a bounded min-heap held in preallocated arrays, items the user already rated skipped
/// with a moving pointer into their sorted list. Nothing is allocated per scored item.
public enum TopN {
    /// The n best items for user `u` by score (mean + b_u + b_i + p_u . q_i), best first; ties go
    /// to the smaller item index. `exclude` must be ascending.
    public static func recommend<C: Collection>(model: BiasedFactorModel, user u: Int, n: Int, exclude: C) -> [(item: Int, score: Float)]
    where C.Element == UInt32 {
        model.users.values.withUnsafeBufferPointer { p in
            recommend(model: model, userRow: p.baseAddress! + u * model.users.stride, userBias: model.userBias[u], n: n, exclude: exclude)
        }
    }

    /// The same for a user the model has not seen: `userRow` (stride floats, padding zero) and
    /// `userBias` come from a fold-in.
    public static func recommend<C: Collection>(model: BiasedFactorModel, userRow: UnsafePointer<Float>, userBias: Float, n: Int,
                                                exclude: C) -> [(item: Int, score: Float)]
    where C.Element == UInt32 {
        let items = model.items.rows
        let count = min(n, items)
        guard count > 0 else { return [] }
        var heapItems = [Int](repeating: 0, count: count)
        var heapScores = [Float](repeating: 0, count: count)
        var size = 0
        // "a is worse than b": lower score, or equal score and larger index.
        @inline(__always) func worse(_ sa: Float, _ ia: Int, _ sb: Float, _ ib: Int) -> Bool { sa < sb || (sa == sb && ia > ib) }
        let stride = model.users.stride
        let base = model.globalMean + userBias
        var skip = exclude.makeIterator()
        var nextSkip = skip.next().map(Int.init) ?? Int.max
        do {
            model.items.values.withUnsafeBufferPointer { q in
                model.itemBias.withUnsafeBufferPointer { bi in
                    for i in 0 ..< items {
                        if i == nextSkip {
                            nextSkip = skip.next().map(Int.init) ?? Int.max
                            continue
                        }
                        let score = base + bi[i] + (stride > 0 ? Kernels.dot(userRow, q.baseAddress! + i * stride, stride: stride) : 0)
                        if size < count {
                            // Sift up.
                            var c = size
                            size += 1
                            while c > 0 {
                                let parent = (c - 1) / 2
                                if !worse(score, i, heapScores[parent], heapItems[parent]) { break }
                                heapScores[c] = heapScores[parent]; heapItems[c] = heapItems[parent]
                                c = parent
                            }
                            heapScores[c] = score; heapItems[c] = i
                        } else if worse(heapScores[0], heapItems[0], score, i) {
                            // Replace the worst and sift down.
                            var c = 0
                            while true {
                                let l = 2 * c + 1
                                if l >= size { break }
                                var w = l
                                if l + 1 < size && worse(heapScores[l + 1], heapItems[l + 1], heapScores[l], heapItems[l]) { w = l + 1 }
                                if !worse(heapScores[w], heapItems[w], score, i) { break }
                                heapScores[c] = heapScores[w]; heapItems[c] = heapItems[w]
                                c = w
                            }
                            heapScores[c] = score; heapItems[c] = i
                        }
                    }
                }
            }
        }
        return (0 ..< size).map { (item: heapItems[$0], score: heapScores[$0]) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
    }
}
