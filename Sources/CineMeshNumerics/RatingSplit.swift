import CineMeshData

/// Train/test splits of a dataset's blocks that keep the grid: each output block holds a subset of
/// the input block's ratings in the same order.
public enum RatingSplit {
    /// A rating (u, i) goes to test when a hash of (seed, u, i) falls below `testFraction`: the
    /// split depends only on the seed and the pair, not on the order or the grid.
    public static func random(_ blocks: [RatingBlock], testFraction: Double, seed: UInt64) -> (train: [RatingBlock], test: [RatingBlock]) {
        precondition(testFraction >= 0 && testFraction < 1)
        let threshold = UInt64(testFraction * 0x1p64.nextDown)
        var train: [RatingBlock] = [], test: [RatingBlock] = []
        for b in blocks {
            var tr = RatingBlock(row: b.row, column: b.column, userRange: b.userRange, itemRange: b.itemRange)
            var te = tr
            for k in 0 ..< b.count {
                let goesToTest = mix(seed ^ (UInt64(b.users[k]) << 32 | UInt64(b.items[k]))) < threshold
                if goesToTest {
                    te.users.append(b.users[k]); te.items.append(b.items[k]); te.ratings.append(b.ratings[k])
                    if !b.timestamps.isEmpty { te.timestamps.append(b.timestamps[k]) }
                } else {
                    tr.users.append(b.users[k]); tr.items.append(b.items[k]); tr.ratings.append(b.ratings[k])
                    if !b.timestamps.isEmpty { tr.timestamps.append(b.timestamps[k]) }
                }
            }
            train.append(tr)
            test.append(te)
        }
        return (train, test)
    }

    /// SplitMix64's finalizer: a well-mixed 64-bit hash.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
