import CineMeshData

/// The `stats` job's result: each block's statistics and their merge in row-major block order.
public struct DatasetStats: Codable, Sendable, Equatable {
    public var dataset: String
    public var scale: RatingScale
    public var users: Int
    public var items: Int
    public var total: RatingMoments
    /// Row-major: block (r, c) at index r * columns + c.
    public var blocks: [BlockStats]
    /// Bin labels of `total.histogram`.
    public var binLabels: [Double]

    /// Merges per-block statistics, given in any order, in row-major order.
    public init(dataset: String, scale: RatingScale, users: Int, items: Int, blocks: [BlockStats]) {
        let bins = RatingBins(scale: scale)
        self.dataset = dataset
        self.scale = scale
        self.users = users
        self.items = items
        self.blocks = blocks.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        var total = RatingMoments(binCount: bins.count)
        for b in self.blocks { total.merge(b.moments) }
        self.total = total
        binLabels = (0 ..< bins.count).map(bins.label)
    }

    /// The single-process computation: every block of `dataset`, one after another.
    public init(computing dataset: Dataset) throws {
        let bins = RatingBins(scale: dataset.manifest.ratingScale)
        var blocks: [BlockStats] = []
        for r in 0 ..< dataset.grid.rows {
            for c in 0 ..< dataset.grid.columns {
                blocks.append(BlockStats(block: try dataset.block(row: r, column: c, includeTimestamps: false), bins: bins))
            }
        }
        self.init(dataset: dataset.manifest.name, scale: dataset.manifest.ratingScale,
                  users: dataset.manifest.users, items: dataset.manifest.items, blocks: blocks)
    }

    /// Largest block's rating count over the mean block's.
    public var imbalance: Double {
        let counts = blocks.map(\.moments.count)
        guard let largest = counts.max(), !counts.isEmpty, total.count > 0 else { return 1 }
        return Double(largest) / (Double(total.count) / Double(counts.count))
    }
}
