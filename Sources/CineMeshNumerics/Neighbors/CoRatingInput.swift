import CineMeshData
import CineMeshModel

/// The ratings a neighbourhood similarity is summed over, grouped by the side it is summed across
/// (y: users for item-based similarity, items for user-based): for each y, the x's it rated in
/// ascending order, each with the value the similarity sums, the rating itself or, for
/// `pearson_baseline`, its residual r - (μ + b_y + b_x) from the baseline.
///
/// Built from a subset of a grid's blocks (a cluster task's shards), it holds exactly the pairs
/// those blocks hold, in the same y order as the whole dataset: so every pair's sums are added in
/// the same order whichever process makes them.
public struct CoRatingInput: Sendable {
    /// y's entries are `offsets[y] ..< offsets[y + 1]`.
    public let offsets: [Int]
    public let xs: [Int32]
    public let values: [Double]

    /// The baselines a residual is taken from: μ and the biases of x and of y.
    public struct Baselines: Sendable {
        public var mean: Float
        public var x: [Float]
        public var y: [Float]

        public init(mean: Float, x: [Float], y: [Float]) {
            self.mean = mean
            self.x = x
            self.y = y
        }
    }

    /// The ratings of `blocks` (in block order, so each y's x's ascend) for `ys` values of y;
    /// `userBased` says whether x is the user. `baselines` turns ratings into residuals.
    public init(_ blocks: [RatingBlock], ys: Int, userBased: Bool, baselines: Baselines?) {
        let byY = RatingsByRow(blocks, rows: ys, byUser: !userBased)
        offsets = byY.offsets
        xs = byY.others.map { Int32($0) }
        guard let b = baselines else {
            values = byY.ratings.map(Double.init)
            return
        }
        var values = [Double](repeating: 0, count: byY.ratings.count)
        let mean = Double(b.mean)
        for y in 0 ..< ys {
            let partial = mean + Double(b.y[y])
            for j in byY.offsets[y] ..< byY.offsets[y + 1] {
                values[j] = Double(byY.ratings[j]) - (partial + Double(b.x[Int(byY.others[j])]))
            }
        }
        self.values = values
    }

    public var ys: Int { offsets.count - 1 }
}
