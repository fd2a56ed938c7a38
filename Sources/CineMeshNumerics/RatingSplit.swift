import CineMeshData
import CineMeshModel

/// Train/test splits of a dataset's blocks that keep the grid: each output block holds a subset of
/// the input block's ratings in the same order.
public enum RatingSplit {
    /// A rating (u, i) goes to test when a hash of (seed, u, i) falls below `testFraction`: the
    /// split depends only on the seed and the pair, not on the order or the grid.
    public static func random(_ blocks: [RatingBlock], testFraction: Double, seed: UInt64) -> (train: [RatingBlock], test: [RatingBlock]) {
        precondition(testFraction >= 0 && testFraction < 1)
        let threshold = UInt64(testFraction * 0x1p64.nextDown)
        return partition(blocks) { b, k in mix(seed ^ (UInt64(b.users[k]) << 32 | UInt64(b.items[k]))) < threshold }
    }

    /// Fold `fold` (0-based) of `folds` as the test set, the other folds as training: a rating's
    /// fold is a hash of (seed, u, i) modulo `folds`, so the folds partition the data and each
    /// rating is tested exactly once over the `folds` runs.
    public static func kFold(_ blocks: [RatingBlock], folds: Int, fold: Int, seed: UInt64) -> (train: [RatingBlock], test: [RatingBlock]) {
        precondition(folds >= 2 && fold >= 0 && fold < folds)
        return partition(blocks) { b, k in Int(mix(seed ^ (UInt64(b.users[k]) << 32 | UInt64(b.items[k]))) % UInt64(folds)) == fold }
    }

    /// Each user's `count` latest ratings by timestamp go to test (ties broken by item index), the
    /// rest to training. Users with `count` ratings or fewer keep them all in training. Needs
    /// timestamps: blocks loaded with them, from a dataset that has them.
    public static func leaveLast(_ blocks: [RatingBlock], count: Int, users: Int) throws -> (train: [RatingBlock], test: [RatingBlock]) {
        precondition(count >= 1)
        guard blocks.allSatisfy({ $0.count == 0 || $0.timestamps.count == $0.count }) else {
            throw DataError(.usage, "a leave-last split needs timestamps, and this dataset has none")
        }
        // Per user, the (timestamp, item) of the count-th latest rating: ratings after it are test.
        var latest = [[(Int64, UInt32)]](repeating: [], count: users)
        for b in blocks {
            for k in 0 ..< b.count {
                let u = Int(b.users[k])
                latest[u].append((b.timestamps[k], b.items[k]))
            }
        }
        var cutoff = [(Int64, UInt32)?](repeating: nil, count: users)
        for u in 0 ..< users where latest[u].count > count {
            latest[u].sort { $0 > $1 }
            cutoff[u] = latest[u][count - 1]
        }
        return partition(blocks) { b, k in
            guard let c = cutoff[Int(b.users[k])] else { return false }
            return (b.timestamps[k], b.items[k]) >= c
        }
    }

    /// Splits every block by a per-rating predicate (true: test), keeping order and the grid.
    static func partition(_ blocks: [RatingBlock], isTest: (RatingBlock, Int) -> Bool) -> (train: [RatingBlock], test: [RatingBlock]) {
        var train: [RatingBlock] = [], test: [RatingBlock] = []
        for b in blocks {
            var tr = RatingBlock(row: b.row, column: b.column, userRange: b.userRange, itemRange: b.itemRange)
            var te = tr
            for k in 0 ..< b.count {
                if isTest(b, k) {
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
