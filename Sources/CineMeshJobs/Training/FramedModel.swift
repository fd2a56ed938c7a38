import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// A factor model kept as the frames workers returned: a base model, with the user rows of some
/// grid rows and the item rows of some grid columns replaced by frames (factors, biases), as they
/// came. Making one copies nothing, so the coordinator's loop can take a checkpoint of a model of
/// hundreds of megabytes without stopping; `assembled()` copies it into one model for a file.
struct FramedModel: Sendable {
    typealias Rows = (factors: Frame, biases: Frame)

    let base: BiasedFactorModel
    let grid: Grid
    /// Per grid row: its user rows, where they replace the base's.
    var rows: [Rows?]
    /// Per grid column: its item rows, where they replace the base's.
    var columns: [Rows?]

    init(_ base: BiasedFactorModel, grid: Grid) {
        self.base = base
        self.grid = grid
        rows = Array(repeating: nil, count: grid.rows)
        columns = Array(repeating: nil, count: grid.columns)
    }

    var stride: Int { base.users.stride }

    /// Grid row `row`'s user rows and biases as two frames.
    func userFrames(row: Int) -> [Frame] {
        if let r = rows[row] { return [r.factors, r.biases] }
        let u = grid.userRange(row: row)
        return [FloatFrames.frame(base.users.values[Int(u.lowerBound) * stride ..< Int(u.upperBound) * stride]),
                FloatFrames.frame(base.userBias[Int(u.lowerBound) ..< Int(u.upperBound)])]
    }

    /// Grid column `column`'s item rows and biases as two frames.
    func itemFrames(column: Int) -> [Frame] {
        if let c = columns[column] { return [c.factors, c.biases] }
        let i = grid.itemRange(column: column)
        return [FloatFrames.frame(base.items.values[Int(i.lowerBound) * stride ..< Int(i.upperBound) * stride]),
                FloatFrames.frame(base.itemBias[Int(i.lowerBound) ..< Int(i.upperBound)])]
    }

    /// This model with `rows` and `columns` replaced where they are given.
    func replacing(rows newRows: [Rows?] = [], columns newColumns: [Rows?] = []) -> FramedModel {
        var m = self
        for (r, frames) in newRows.enumerated() where frames != nil { m.rows[r] = frames }
        for (c, frames) in newColumns.enumerated() where frames != nil { m.columns[c] = frames }
        return m
    }

    /// The whole model in one piece (a copy of every replaced row).
    func assembled() throws -> BiasedFactorModel {
        var m = base
        for (r, frames) in rows.enumerated() {
            guard let frames else { continue }
            guard FactorFrames.store(frames.factors, frames.biases, into: &m.users, &m.userBias, rows: grid.userRange(row: r)) else {
                throw JobError("train: user rows of row \(r) have the wrong size")
            }
        }
        for (c, frames) in columns.enumerated() {
            guard let frames else { continue }
            guard FactorFrames.store(frames.factors, frames.biases, into: &m.items, &m.itemBias, rows: grid.itemRange(column: c)) else {
                throw JobError("train: item rows of column \(c) have the wrong size")
            }
        }
        return m
    }
}
