import CineMeshData

/// The order in which an epoch of stratified SGD (Gemulla et al., KDD 2011) visits the blocks of an
/// R x C grid. With m = max(R, C), stratum t holds the blocks (i, j) with (j - i) mod m == t: no
/// two share a row (user range) or a column (item range), so they can run at once and their updates
/// commute exactly. Every block appears once per epoch. The strata's order in epoch e is a shuffle
/// seeded by (seed, e); blocks within a stratum are listed by row. The schedule depends only on the
/// grid, the seed and the epoch, never on how many workers run it.
public struct StratifiedSchedule: Sendable {
    public let rows: Int
    public let columns: Int
    public let seed: UInt64

    public init(grid: Grid, seed: UInt64) {
        rows = grid.rows
        columns = grid.columns
        self.seed = seed
    }

    /// The strata of the grid in natural order (t = 0, 1, ...), each a list of (row, column).
    public var strata: [[(row: Int, column: Int)]] {
        let m = max(rows, columns)
        return (0 ..< m).map { t in
            (0 ..< rows).compactMap { i in
                let j = (i + t) % m
                return j < columns ? (i, j) : nil
            }
        }
    }

    /// The strata in the order epoch `epoch` visits them.
    public func strata(epoch: Int) -> [[(row: Int, column: Int)]] {
        var order = strata
        var rng = SeededRandom(seed: seed, stream: 0x5EED_0000 + UInt64(epoch))
        order.shuffle(using: &rng)
        return order
    }
}
