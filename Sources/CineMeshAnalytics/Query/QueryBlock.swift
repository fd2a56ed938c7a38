import CineMeshData

/// A rating block as queries read it: the block and, built on first use and kept, the columns
/// that cost a pass over it (the dictionary-encoded ratings). A worker keeps these between
/// queries, so a warm query builds nothing.
public final class QueryBlock: @unchecked Sendable {
    public let block: RatingBlock
    private let lock = Lock()
    private var ratings: Vector?

    public init(_ block: RatingBlock) { self.block = block }

    /// Bytes held: the block's columns and the encoded ratings.
    public var bytes: Int { block.count * 16 + block.timestamps.count * 8 + 64 }

    var ratingColumn: Vector {
        lock.withLock {
            if let ratings { return ratings }
            let built = QueryTables.ratingColumn(block.ratings)
            ratings = built
            return built
        }
    }
}
