/// The parameters of an `nmf-block` task: block (`row`, `column`)'s NMF sums, over factor rows
/// of `stride` floats of which the first `factors` are the model's.
struct NMFBlockTask: TaskSpec {
    static let kind = "nmf-block"

    var row: Int
    var column: Int
    var factors: Int
    var stride: Int
    var split: TaskSplit
}

/// What an `nmf-block` task returns besides its frames: the block's squared error.
struct NMFBlockResult: TaskResultSpec {
    var squaredError: Double

    enum CodingKeys: String, CodingKey {
        case squaredError = "squared_error"
    }
}
