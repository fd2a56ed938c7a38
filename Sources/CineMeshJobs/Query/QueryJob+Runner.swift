import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

extension QueryJob {
    /// `query-block`: the plan over one rating block; the partial goes back as payload frame 0.
    /// Files: the block's shard, then the dataset files the `tables` parameter names, in order.
    static let runner: TaskRunners.Runner = { input in
        let task = try QueryBlockTask(input)
        let sql = task.sql, row = task.row, column = task.column, names = task.tables.values
        guard input.files.count == names.count + 1 else {
            throw TaskError("query-block: \(input.files.count) files for \(names.count) tables and a shard")
        }
        if task.delayMilliseconds > 0 { usleep(useconds_t(task.delayMilliseconds) * 1000) }
        var files: [String: String] = [:]
        for (name, path) in zip(names, input.files.dropFirst()) { files[name] = path }
        let tables = try QueryInputs.shared.tables(files: files, timestamps: task.timestamps)
        let block = try QueryInputs.shared.block(path: input.files[0])
        guard block.block.row == row, block.block.column == column else {
            throw TaskError("query-block: the shard holds block (\(block.block.row), \(block.block.column)), not (\(row), \(column))")
        }
        do {
            let executor = try QueryExecutor(sql, tables: tables)
            let partial = try executor.partial(block: block)
            // A plain query without LIMIT whose one block already passes the row limit fails
            // here, before shipping rows the coordinator would refuse.
            if executor.plan.limit == nil, partial.rowCount > task.maxRows {
                throw QueryError("the result has more than max_rows=\(task.maxRows) rows; add a LIMIT", at: nil)
            }
            return TaskOutput(output: ["rows": String(partial.rowsScanned)], payload: [partial.encoded()])
        } catch let e as QueryError {
            throw TaskError(e.description)
        } catch {
            throw TaskError("\(error)")
        }
    }
}
