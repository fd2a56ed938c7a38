/// The parameters of an `svd-collect` task: the user rows of grid row `row` as epoch `epoch`
/// left them.
struct SVDCollectTask: TaskSpec {
    static let kind = "svd-collect"

    var row: Int
    var epoch: Int
}
