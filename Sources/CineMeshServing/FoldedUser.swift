/// A user folded in from their ratings: a factor row (padded), a bias, and the items they rated.
public struct FoldedUser: Sendable {
    public var row: [Float]
    public var bias: Float
    public var rated: [Int]
}
