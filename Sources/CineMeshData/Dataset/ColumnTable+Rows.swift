extension ColumnTable {
    /// The rows for which `keep` is true (one flag per row), in order.
    public func rows(where keep: [Bool]) -> ColumnTable {
        precondition(keep.count == rowCount)
        let picked = keep.indices.filter { keep[$0] }
        return ColumnTable(columns: columns.map { column in
            switch column.values {
            case .int(let v): return Column(column.name, .int(picked.map { v[$0] }))
            case .double(let v): return Column(column.name, .double(picked.map { v[$0] }))
            case .string(let v): return Column(column.name, .string(picked.map { v[$0] }))
            case .stringList(let v): return Column(column.name, .stringList(picked.map { v[$0] }))
            }
        })
    }

    /// This table's rows, then `other`'s. `other` (read from `file`) must have the same columns,
    /// in the same order, of the same types.
    public func appending(_ other: ColumnTable, file: String) throws -> ColumnTable {
        var joined: [Column] = []
        for (mine, theirs) in zip(columns, other.columns) where mine.name == theirs.name {
            switch (mine.values, theirs.values) {
            case (.int(let a), .int(let b)): joined.append(Column(mine.name, .int(a + b)))
            case (.double(let a), .double(let b)): joined.append(Column(mine.name, .double(a + b)))
            case (.string(let a), .string(let b)): joined.append(Column(mine.name, .string(a + b)))
            case (.stringList(let a), .stringList(let b)): joined.append(Column(mine.name, .stringList(a + b)))
            default: break
            }
        }
        guard joined.count == columns.count, other.columns.count == columns.count else {
            throw DataError(.usage, file: file, "has columns \(other.columns.map { "\($0.name) (\($0.values.typeName))" }.joined(separator: ", ")); the dataset's table has \(columns.map { "\($0.name) (\($0.values.typeName))" }.joined(separator: ", ")); they must match")
        }
        return ColumnTable(columns: joined)
    }
}
