/// The parameters of a `baseline-rows` task: one half-step of the baseline over grid line
/// `index`, a row (user biases) or a column (item biases), with the job's global mean and the
/// side's regularisation. Payload: the other side's biases.
struct BaselineRowsTask: TaskSpec {
    static let kind = "baseline-rows"

    var side: TaskSide
    var index: Int
    var split: TaskSplit
    var mean: Float
    var reg: Float
}
