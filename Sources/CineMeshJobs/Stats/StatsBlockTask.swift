/// The parameters of a `stats-block` task: the statistics of block (`row`, `column`) on the
/// dataset's rating `scale`, after sleeping `delayMilliseconds` (fault-tolerance tests).
struct StatsBlockTask: TaskSpec {
    static let kind = "stats-block"

    var row: Int
    var column: Int
    var scale: TaskScale
    var delayMilliseconds: Int

    enum CodingKeys: String, CodingKey {
        case row, column, scale, delayMilliseconds = "delay_ms"
    }
}
