/// Top-K neighbour lists of every item, in three contiguous arrays: item `i`'s neighbours are
/// `neighbors[offsets[i] ..< offsets[i + 1]]` (at most `k`, best first, the smaller index first
/// on equal scores) with their similarities at the same positions of `scores`. An item similar to
/// nothing has an empty list.
public struct ItemNeighbors: Sendable, Equatable {
    /// The most neighbours a list holds.
    public let k: Int
    public let offsets: [UInt64]
    public let neighbors: [Int32]
    public let scores: [Float]

    public init(k: Int, offsets: [UInt64], neighbors: [Int32], scores: [Float]) {
        self.k = k
        self.offsets = offsets
        self.neighbors = neighbors
        self.scores = scores
    }

    /// The number of items.
    public var itemCount: Int { offsets.count - 1 }

    /// Item `i`'s neighbours and their scores, best first.
    public func of(_ i: Int) -> (neighbors: ArraySlice<Int32>, scores: ArraySlice<Float>) {
        let r = Int(offsets[i]) ..< Int(offsets[i + 1])
        return (neighbors[r], scores[r])
    }
}
