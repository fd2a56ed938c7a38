import CineMeshCluster
import CineMeshData

/// A whole row of the grid (one user range and its blocks in column order) or a whole column (one
/// item range and its blocks in row order): the unit of work of the alternating jobs (ALS,
/// baseline), whose per-index sums must see ratings in the order the whole-grid trainers do.
struct GridLine {
    let users: Bool
    let index: Int

    /// The line's blocks, in block order.
    func blocks(_ grid: Grid) -> [(row: Int, column: Int)] {
        users ? (0 ..< grid.columns).map { (index, $0) } : (0 ..< grid.rows).map { ($0, index) }
    }

    /// The user (or item) indices the line solves.
    func range(_ grid: Grid) -> Range<UInt32> {
        users ? grid.userRange(row: index) : grid.itemRange(column: index)
    }
}

/// Which side an alternating job is solving.
enum AlternatingPhase {
    case starting, users, items

    /// True while solving users; an error before the first stage.
    func solvingUsers() throws -> Bool {
        switch self {
        case .users: return true
        case .items: return false
        case .starting: throw JobError("train: a result arrived before the first stage")
        }
    }
}
