import CineMeshData

/// The ratings of every user (or every item) as compressed sparse rows: for row x, the other-side
/// indices `others[offsets[x] ..< offsets[x+1]]`, ascending, with their ratings. Built from a
/// grid's blocks in block order, so each row's list is in a fixed order whatever the grid's split
/// across workers. ALS solves one row at a time from it.
///
/// A worker holding only some rows builds it over a `range` of row indices from the blocks that
/// hold them (a grid row's blocks in column order, or a grid column's in row order); row x of the
/// range is then entry `x - range.lowerBound`, with the same list as in the whole-dataset build.
public struct RatingsByRow: Sendable {
    public let offsets: [Int]
    public let others: [UInt32]
    public let ratings: [Float]

    public var rows: Int { offsets.count - 1 }

    /// Rows are users (`byUser`) or items, indices 0..<rows.
    public init(_ blocks: [RatingBlock], rows: Int, byUser: Bool) {
        self.init(blocks, range: 0 ..< UInt32(rows), byUser: byUser)
    }

    /// Rows `range` only: every rating of `blocks` must have its row in the range.
    public init(_ blocks: [RatingBlock], range: Range<UInt32>, byUser: Bool) {
        let rows = range.count, base = Int(range.lowerBound)
        var counts = [Int](repeating: 0, count: rows + 1)
        for b in blocks {
            for x in byUser ? b.users : b.items { counts[Int(x) - base + 1] += 1 }
        }
        for r in 0 ..< rows { counts[r + 1] += counts[r] }
        var next = counts
        var others = [UInt32](repeating: 0, count: counts[rows])
        var ratings = [Float](repeating: 0, count: counts[rows])
        // Blocks are sorted by (user, item) and visited row-major, so every list comes out ascending.
        for b in blocks {
            for k in 0 ..< b.count {
                let (row, other) = byUser ? (Int(b.users[k]) - base, b.items[k]) : (Int(b.items[k]) - base, b.users[k])
                others[next[row]] = other
                ratings[next[row]] = b.ratings[k]
                next[row] += 1
            }
        }
        offsets = counts
        self.others = others
        self.ratings = ratings
    }
}
