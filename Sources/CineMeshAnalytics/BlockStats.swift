import CineMeshData

/// Summary statistics of one grid block: counts, moments, extremes, a histogram over the rating
/// scale, and the block's distinct users and items.
public struct BlockStats: Codable, Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var moments: RatingMoments
    /// Users with at least one rating in this block.
    public var distinctUsers: Int
    /// Items with at least one rating in this block.
    public var distinctItems: Int

    public init(row: Int, column: Int, moments: RatingMoments, distinctUsers: Int, distinctItems: Int) {
        self.row = row
        self.column = column
        self.moments = moments
        self.distinctUsers = distinctUsers
        self.distinctItems = distinctItems
    }

    /// Computes the statistics of `block` in one pass over its columns.
    public init(block: RatingBlock, bins: RatingBins) {
        row = block.row
        column = block.column
        moments = RatingMoments(ratings: block.ratings, bins: bins)
        distinctUsers = Self.distinct(block.users, in: block.userRange)
        distinctItems = Self.distinct(block.items, in: block.itemRange)
    }

    /// Counts distinct ids with a bitmap over the block's id range (no hashing).
    static func distinct(_ ids: [UInt32], in range: Range<UInt32>) -> Int {
        guard !ids.isEmpty else { return 0 }
        var seen = [UInt64](repeating: 0, count: (range.count + 63) / 64)
        var count = 0
        seen.withUnsafeMutableBufferPointer { bits in
            ids.withUnsafeBufferPointer { ids in
                for id in ids {
                    let k = Int(id - range.lowerBound)
                    let mask: UInt64 = 1 &<< UInt64(k & 63)
                    if bits[k >> 6] & mask == 0 {
                        bits[k >> 6] |= mask
                        count += 1
                    }
                }
            }
        }
        return count
    }
}
