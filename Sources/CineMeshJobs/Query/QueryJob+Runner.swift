import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

extension QueryJob {
    /// `query-block`: the plan over one rating block; the partial goes back as payload frame 0.
    /// Files: the block's shard, then the dataset files the `tables` parameter names, in order.
    static let runner: TaskRunners.Runner = { input in
        guard let sql = input.parameters["sql"], let row = input.parameters["row"].flatMap(Int.init),
              let column = input.parameters["column"].flatMap(Int.init), let roles = input.parameters["tables"] else {
            throw TaskError("query-block: parameters sql, row, column and tables are required")
        }
        let names = roles.split(separator: ",").map(String.init)
        guard input.files.count == names.count + 1 else {
            throw TaskError("query-block: \(input.files.count) files for \(names.count) tables and a shard")
        }
        if let delay = input.parameters["delay_ms"].flatMap(Int.init), delay > 0 { usleep(useconds_t(delay) * 1000) }
        var files: [String: String] = [:]
        for (name, path) in zip(names, input.files.dropFirst()) { files[name] = path }
        let tables = try QueryInputs.shared.tables(files: files, timestamps: input.parameters["timestamps"] == "1")
        let block = try QueryInputs.shared.block(path: input.files[0])
        guard block.block.row == row, block.block.column == column else {
            throw TaskError("query-block: the shard holds block (\(block.block.row), \(block.block.column)), not (\(row), \(column))")
        }
        do {
            let executor = try QueryExecutor(sql, tables: tables)
            let partial = try executor.partial(block: block)
            // A plain query without LIMIT whose one block already passes the row limit fails
            // here, before shipping rows the coordinator would refuse.
            if executor.plan.limit == nil, let limit = input.parameters["max_rows"].flatMap(Int.init), partial.rowCount > limit {
                throw QueryError("the result has more than max_rows=\(limit) rows; add a LIMIT", at: nil)
            }
            return TaskOutput(output: ["rows": String(partial.rowsScanned)], payload: [partial.encoded()])
        } catch let e as QueryError {
            throw TaskError(e.description)
        } catch {
            throw TaskError("\(error)")
        }
    }
}
