/// One block of the rating matrix in memory: the ratings whose user falls in `userRange` and whose
/// item falls in `itemRange`, as parallel columns of global dense indices, sorted by (user, item).
/// This is the unit the cluster ships, SGD sweeps and ALS accumulates over.
public struct RatingBlock: Sendable, Equatable {
    /// Grid coordinates of the block.
    public var row: Int
    public var column: Int
    public var userRange: Range<UInt32>
    public var itemRange: Range<UInt32>
    public var users: [UInt32]
    public var items: [UInt32]
    public var ratings: [Float]
    /// Seconds since the Unix epoch, or empty when the dataset has none (or they were not loaded).
    public var timestamps: [Int64]

    public init(row: Int, column: Int, userRange: Range<UInt32>, itemRange: Range<UInt32>,
                users: [UInt32] = [], items: [UInt32] = [], ratings: [Float] = [], timestamps: [Int64] = []) {
        self.row = row
        self.column = column
        self.userRange = userRange
        self.itemRange = itemRange
        self.users = users
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps
    }

    /// Number of ratings.
    public var count: Int { ratings.count }
}
