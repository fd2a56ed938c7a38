/// A sparse matrix in compressed sparse row form, in three contiguous arrays: row `r`'s entries are
/// `columns[offsets[r] ..< offsets[r + 1]]` (ascending) with `values` at the same positions.
public struct SparseRows: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var offsets: [Int]
    public var columns: [Int32]
    public var values: [Float]

    public init(rowCount: Int, columnCount: Int, offsets: [Int], columns: [Int32], values: [Float]) {
        precondition(offsets.count == rowCount + 1 && columns.count == values.count && offsets.last == columns.count)
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.offsets = offsets
        self.columns = columns
        self.values = values
    }

    /// Row `r`'s entries' positions in `columns` and `values`.
    @inline(__always)
    public func range(of r: Int) -> Range<Int> { offsets[r] ..< offsets[r + 1] }

    /// The transpose, also in CSR form (so the columns of this matrix, i.e. an inverted index from
    /// a term to the rows holding it, rows ascending). Two passes, no per-row allocation.
    public func transposed() -> SparseRows {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for c in columns { counts[Int(c) + 1] += 1 }
        for c in 0 ..< columnCount { counts[c + 1] += counts[c] }
        var next = counts
        var rowsOut = [Int32](repeating: 0, count: columns.count)
        var valuesOut = [Float](repeating: 0, count: values.count)
        for r in 0 ..< rowCount {
            for p in range(of: r) {
                let c = Int(columns[p])
                rowsOut[next[c]] = Int32(r)
                valuesOut[next[c]] = values[p]
                next[c] += 1
            }
        }
        return SparseRows(rowCount: columnCount, columnCount: rowCount, offsets: counts, columns: rowsOut, values: valuesOut)
    }

    /// The dot product of rows `a` and `b` (both ascending: a merge).
    public func dot(_ a: Int, _ b: Int) -> Float {
        var i = offsets[a], j = offsets[b]
        let ie = offsets[a + 1], je = offsets[b + 1]
        var s: Float = 0
        while i < ie && j < je {
            if columns[i] == columns[j] { s += values[i] * values[j]; i += 1; j += 1 } else if columns[i] < columns[j] { i += 1 } else { j += 1 }
        }
        return s
    }
}
