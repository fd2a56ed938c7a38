import CineMeshNumerics

/// The parameters of a `knn-rows` task: the similarity rows of grid `line` (a column of items,
/// or a row of users when `userBased`) against all `xCount` x's over `yCount` y's, keeping
/// `neighbors` per row. `mean` comes with pearson_baseline, whose payload is both biases.
struct KNNRowsTask: TaskSpec {
    static let kind = "knn-rows"

    var line: Int
    var xCount: Int
    var yCount: Int
    var userBased: Bool
    var similarity: NeighborSimilarity
    var minSupport: Int
    var shrinkage: Double
    var neighbors: Int
    var split: TaskSplit
    /// The baselines' global mean, for a similarity that uses them.
    var mean: Float?

    enum CodingKeys: String, CodingKey {
        case line, xCount = "x_count", yCount = "y_count", userBased = "user_based", similarity = "sim", minSupport = "min_support"
        case shrinkage, neighbors, split, mean
    }
}
