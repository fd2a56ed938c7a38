import CineMeshData

/// Runs a query in this process over a dataset directory: every block in row-major order
/// through the same executor and merger the cluster uses, so the answer is the same bits.
public enum LocalQuery {
    public static func run(_ text: String, dataset: Dataset, tables: QueryTables? = nil) throws -> QueryResult {
        let executor = try QueryExecutor(text, tables: tables ?? QueryTables(dataset: dataset))
        var merger = QueryMerger(executor)
        if executor.plan.shardedSource == nil {
            try merger.add(try executor.partial(block: nil))
        } else {
            for r in 0 ..< dataset.grid.rows {
                for c in 0 ..< dataset.grid.columns {
                    try merger.add(try executor.partial(block: QueryBlock(try dataset.block(row: r, column: c))))
                }
            }
            if executor.keepsUnmatchedRows {
                try merger.add(try executor.unmatchedPartial(matched: merger.matched))
            }
        }
        return try merger.finish()
    }
}
