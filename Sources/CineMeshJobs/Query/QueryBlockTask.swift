/// The parameters of a `query-block` task: query `sql` over block (`row`, `column`), whose files
/// after the shard are the dataset files `tables` names, in order; `timestamps` says whether the
/// dataset has them. A plain query without LIMIT fails once one block passes `maxRows` rows;
/// the task sleeps `delayMilliseconds` first (fault-tolerance tests).
struct QueryBlockTask: TaskSpec {
    static let kind = "query-block"

    var sql: String
    var row: Int
    var column: Int
    var timestamps: Bool
    var tables: TaskList<String>
    var delayMilliseconds: Int
    var maxRows: Int

    enum CodingKeys: String, CodingKey {
        case sql, row, column, timestamps, tables, delayMilliseconds = "delay_ms", maxRows = "max_rows"
    }
}
