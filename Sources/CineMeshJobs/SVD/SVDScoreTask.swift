/// The parameters of an `svd-score` task: the held-out errors of epoch `epoch` on grid rows
/// `rows`, with item rows of `columns` grid columns in rows of `stride` floats, of which the
/// worker holds the `residentColumns`; the held-out ratings of rows `heldOut` come in the payload.
struct SVDScoreTask: TaskSpec {
    static let kind = "svd-score"

    var epoch: Int
    var rows: TaskList<Int>
    var heldOut: TaskList<Int>
    var stride: Int
    var columns: Int
    var mean: Float
    var scale: TaskScale
    var residentColumns: TaskList<Int>

    enum CodingKeys: String, CodingKey {
        case epoch, rows, heldOut = "held_out", stride, columns, mean, scale, residentColumns = "resident_columns"
    }
}
