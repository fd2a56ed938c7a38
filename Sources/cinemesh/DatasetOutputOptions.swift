import ArgumentParser
import CineMeshData

/// The dataset directory a command writes, shared by `ingest` and `generate`: the grid of blocks
/// its rating matrix is cut into, and whether an existing directory is replaced.
struct DatasetOutputOptions: ParsableArguments {
    @Option(help: "Grid of blocks RxC the rating matrix is cut into (default 4x4; ingest shrinks it to fit tiny data).")
    var grid: String?

    @Flag(help: "Replace an existing output directory.")
    var force = false

    /// The grid asked for, nil when none was.
    func shape() throws -> GridShape? {
        guard let grid else { return nil }
        guard let shape = GridShape(parsing: grid) else { throw DataError(.usage, "--grid '\(grid)' is not RxC (e.g. 4x4)") }
        return shape
    }
}
