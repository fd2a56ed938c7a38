import CineMeshData

/// The ratings of every user (or every item) as compressed sparse rows: for row x, the other-side
/// indices `others[offsets[x] ..< offsets[x+1]]`, ascending, with their ratings. Built from a
/// grid's blocks in block order, so each row's list is in a fixed order whatever the grid's split
/// across workers. ALS solves one row at a time from it.
struct RatingsByRow: Sendable {
    let offsets: [Int]
    let others: [UInt32]
    let ratings: [Float]

    var rows: Int { offsets.count - 1 }

    /// Rows are users (`byUser`) or items.
    init(_ blocks: [RatingBlock], rows: Int, byUser: Bool) {
        var counts = [Int](repeating: 0, count: rows + 1)
        for b in blocks {
            for x in byUser ? b.users : b.items { counts[Int(x) + 1] += 1 }
        }
        for r in 0 ..< rows { counts[r + 1] += counts[r] }
        var next = counts
        var others = [UInt32](repeating: 0, count: counts[rows])
        var ratings = [Float](repeating: 0, count: counts[rows])
        // Blocks are sorted by (user, item) and visited row-major, so every list comes out ascending.
        for b in blocks {
            for k in 0 ..< b.count {
                let (row, other) = byUser ? (Int(b.users[k]), b.items[k]) : (Int(b.items[k]), b.users[k])
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
