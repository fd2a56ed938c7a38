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
        var heap = BoundedHeap(capacity: count)
        let stride = model.users.stride
        let base = model.globalMean + userBias
        var skip = exclude.makeIterator()
        var nextSkip = skip.next().map(Int.init) ?? Int.max
        model.items.values.withUnsafeBufferPointer { q in
            model.itemBias.withUnsafeBufferPointer { bi in
                for i in 0 ..< items {
                    if i == nextSkip {
                        nextSkip = skip.next().map(Int.init) ?? Int.max
                        continue
                    }
                    heap.offer(item: i, score: base + bi[i] + (stride > 0 ? Kernels.dot(userRow, q.baseAddress! + i * stride, stride: stride) : 0))
                }
            }
        }
        return heap.sorted()
    }
}
