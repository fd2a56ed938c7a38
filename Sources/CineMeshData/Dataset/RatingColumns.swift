/// Ratings as they come out of a parser or the generator, before the dataset is laid out: parallel
/// columns of user and item *codes* (first-appearance numbers) with the external id of each code.
public struct RatingColumns: Sendable {
    public var users: [UInt32] = []
    public var items: [UInt32] = []
    public var ratings: [Float] = []
    /// Empty when the source has no timestamps, else one per rating.
    public var timestamps: [Int64] = []
    public var userKeys: [ExternalId] = []
    public var itemKeys: [ExternalId] = []

    public init() {}

    public var count: Int { ratings.count }

    /// Reserves room for `n` ratings so the columns never reallocate (a reallocation briefly holds
    /// two copies of a column, which is what would break the ingest memory budget).
    public mutating func reserve(_ n: Int, timestamps withTimestamps: Bool) {
        users.reserveCapacity(n)
        items.reserveCapacity(n)
        ratings.reserveCapacity(n)
        if withTimestamps { timestamps.reserveCapacity(n) }
    }
}

/// What to do with several ratings of the same (user, item).
public enum DuplicatePolicy: String, Sendable, Codable, CaseIterable {
    /// Stop with an error naming both lines (the default: duplicates usually mean a bad join upstream).
    case fail
    /// Keep the first in file order.
    case first
    /// Keep the last in file order (a re-rating replaces the old one).
    case last
    /// Average the ratings; keep the latest timestamp.
    case mean
}
