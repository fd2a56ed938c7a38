import CineMeshData
import CineMeshModel

/// The global mean rating, computed so that any process holding a block gets the same partial sum
/// and any process merging them gets the same bits: each block's ratings are summed in their stored
/// order, and the block sums are added in row-major block order.
public enum GlobalMean {
    /// The sum of one block's ratings, in stored order.
    public static func blockSum(_ block: RatingBlock) -> Double {
        block.ratings.withUnsafeBufferPointer { r in
            var s = 0.0
            for x in r { s += Double(x) }
            return s
        }
    }

    /// The mean of every rating of `blocks` (row-major), 0 when there are none.
    public static func of(_ blocks: [RatingBlock]) -> Float {
        var total = 0.0, n = 0
        for b in blocks {
            total += blockSum(b)
            n += b.count
        }
        return n > 0 ? Float(total / Double(n)) : 0
    }
}
