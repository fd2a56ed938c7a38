import CineMeshData
import CineMeshModel

/// The ratings a neighbourhood similarity is summed over, grouped by one side: for each row (a y,
/// the side the similarity is summed across: users for item-based similarity, items for
/// user-based), the other side's indices it rated in ascending order, each with the value the
/// similarity sums: the rating itself or, for `pearson_baseline`, its residual r - (μ + b_y + b_x)
/// from the baseline. `transposed` groups the same values by x.
public struct CoRatingInput: Sendable {
    /// Row r's entries are `offsets[r] ..< offsets[r + 1]`.
    public let offsets: [Int]
    public let others: [Int32]
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

    /// The ratings of `blocks` grouped by y, for `ys` values of y (blocks in block order, so
    /// each y's x's ascend); `userBased` says whether x is the user. `baselines` turns ratings
    /// into residuals.
    public init(_ blocks: [RatingBlock], ys: Int, userBased: Bool, baselines: Baselines?) {
        let byY = RatingsByRow(blocks, rows: ys, byUser: !userBased)
        offsets = byY.offsets
        others = byY.others.map { Int32($0) }
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

    init(offsets: [Int], others: [Int32], values: [Double]) {
        self.offsets = offsets
        self.others = others
        self.values = values
    }

    public var rows: Int { offsets.count - 1 }

    /// The same values grouped by the other side, `count` rows of it, each row's entries in
    /// ascending order of this side's row.
    public func transposed(count: Int) -> CoRatingInput {
        var offsets = [Int](repeating: 0, count: count + 1)
        for o in others { offsets[Int(o) + 1] += 1 }
        for r in 0 ..< count { offsets[r + 1] += offsets[r] }
        var next = offsets
        var others = [Int32](repeating: 0, count: self.others.count), values = [Double](repeating: 0, count: self.others.count)
        for r in 0 ..< rows {
            for j in self.offsets[r] ..< self.offsets[r + 1] {
                let o = Int(self.others[j])
                others[next[o]] = Int32(r)
                values[next[o]] = self.values[j]
                next[o] += 1
            }
        }
        return CoRatingInput(offsets: offsets, others: others, values: values)
    }
}
