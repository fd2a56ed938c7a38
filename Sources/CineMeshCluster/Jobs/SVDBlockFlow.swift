import CineMeshData
import CineMeshNumerics

/// The blocks of a stratified-SGD run as one dataflow across epochs. Every grid row's blocks
/// form a chain (its blocks in the schedule's order, epoch after epoch), and so does every grid
/// column's; a block may run once every block before it in both of its chains is done, whatever
/// epoch those were in. That is exactly what the stratified order requires: a block starts from
/// the user rows the row's previous block left and the item rows the column's previous block left,
/// so the model is the same bits as a sweep of the strata one after the other. No block waits for
/// the rest of its stratum or of its epoch.
///
/// A pure value: no sockets, no clocks (tested alone, `SVDBlockFlowTests`). Empty blocks (no
/// training ratings) are left out of the chains.
struct SVDBlockFlow: Sendable {
    /// A block of one epoch: its position in the epoch's order.
    struct Block: Hashable, Sendable, CustomStringConvertible {
        var epoch: Int
        var index: Int
        var description: String { "epoch \(epoch + 1) block \(index)" }
    }

    /// One epoch's blocks in the schedule's order, with each block's successor in its row and
    /// column within the epoch (-1: the chain goes on in the next epoch).
    struct Layout: Sendable {
        var cells: [(row: Int, column: Int)] = []
        var nextInRow: [Int] = []
        var nextInColumn: [Int] = []
        var firstInRow: [Int]
        var firstInColumn: [Int]
    }

    let grid: Grid
    let schedule: StratifiedSchedule
    /// Row-major: whether block (r, c) has training ratings.
    let nonEmpty: [Bool]
    /// Epochs `firstEpoch ..< endEpoch` are in the flow.
    let firstEpoch: Int
    let endEpoch: Int
    /// Blocks per epoch.
    let perEpoch: Int

    private var layouts: [Int: Layout] = [:]
    /// Per grid row and column: the first block of its chain not yet done (nil: the chain is over).
    private var rowNext: [Block?]
    private var columnNext: [Block?]
    private var released = Set<Block>()
    /// Per epoch in the flow: blocks done.
    private var doneCount: [Int]

    init(grid: Grid, schedule: StratifiedSchedule, nonEmpty: [Bool], epochs: Range<Int>) {
        precondition(nonEmpty.count == grid.blockCount)
        self.grid = grid
        self.schedule = schedule
        self.nonEmpty = nonEmpty
        firstEpoch = epochs.lowerBound
        endEpoch = epochs.upperBound
        perEpoch = nonEmpty.filter { $0 }.count
        rowNext = Array(repeating: nil, count: grid.rows)
        columnNext = Array(repeating: nil, count: grid.columns)
        doneCount = Array(repeating: 0, count: epochs.count)
        guard !epochs.isEmpty, perEpoch > 0 else { return }
        let first = layout(firstEpoch)
        for r in 0 ..< grid.rows where first.firstInRow[r] >= 0 { rowNext[r] = Block(epoch: firstEpoch, index: first.firstInRow[r]) }
        for c in 0 ..< grid.columns where first.firstInColumn[c] >= 0 { columnNext[c] = Block(epoch: firstEpoch, index: first.firstInColumn[c]) }
    }

    /// The grid cell of `block`.
    mutating func cell(_ block: Block) -> (row: Int, column: Int) { layout(block.epoch).cells[block.index] }

    /// Whether `block` is the last of its grid row in its epoch (its row's user rows are then the
    /// epoch's final ones).
    mutating func isLastInRow(_ block: Block) -> Bool { layout(block.epoch).nextInRow[block.index] < 0 }

    /// Whether `block` is the last of its grid column in its epoch.
    mutating func isLastInColumn(_ block: Block) -> Bool { layout(block.epoch).nextInColumn[block.index] < 0 }

    /// The next block of `block`'s grid column, in this epoch or the next (nil: none in the flow).
    mutating func nextInColumn(_ block: Block) -> Block? {
        let l = layout(block.epoch), next = l.nextInColumn[block.index]
        if next >= 0 { return Block(epoch: block.epoch, index: next) }
        return block.epoch + 1 < endEpoch ? Block(epoch: block.epoch + 1, index: layout(block.epoch + 1).firstInColumn[l.cells[block.index].column]) : nil
    }

    /// Whether every block of `epoch` is done.
    func isDone(epoch: Int) -> Bool { doneCount[epoch - firstEpoch] == perEpoch }

    /// Blocks of epochs up to `through` that may run now and were not released before; they are
    /// released. Ordered by grid row.
    mutating func release(through epoch: Int) -> [Block] {
        var out: [Block] = []
        for next in rowNext {
            guard let b = next, b.epoch <= epoch, !released.contains(b), columnNext[cell(b).column] == b else { continue }
            released.insert(b)
            out.append(b)
        }
        return out
    }

    /// Records `block` (released before) as done: its chains move on to their next blocks.
    mutating func complete(_ block: Block) {
        precondition(released.remove(block) != nil, "\(block) completed without being released")
        let (row, column) = cell(block)
        precondition(rowNext[row] == block && columnNext[column] == block, "\(block) completed out of order")
        let l = layout(block.epoch)
        doneCount[block.epoch - firstEpoch] += 1
        func following(_ within: Int, first: (Layout) -> Int) -> Block? {
            if within >= 0 { return Block(epoch: block.epoch, index: within) }
            guard block.epoch + 1 < endEpoch else { return nil }
            return Block(epoch: block.epoch + 1, index: first(layout(block.epoch + 1)))
        }
        rowNext[row] = following(l.nextInRow[block.index]) { $0.firstInRow[row] }
        columnNext[column] = following(l.nextInColumn[block.index]) { $0.firstInColumn[column] }
        // Layouts behind every chain are no longer needed.
        let oldest = (rowNext + columnNext).compactMap { $0?.epoch }.min() ?? endEpoch
        for e in layouts.keys where e < oldest - 1 { layouts[e] = nil }
    }

    private mutating func layout(_ epoch: Int) -> Layout {
        if let l = layouts[epoch] { return l }
        var l = Layout(firstInRow: Array(repeating: -1, count: grid.rows), firstInColumn: Array(repeating: -1, count: grid.columns))
        var lastInRow = l.firstInRow, lastInColumn = l.firstInColumn
        for cell in schedule.strata(epoch: epoch).joined() where nonEmpty[cell.row * grid.columns + cell.column] {
            let k = l.cells.count
            l.cells.append(cell)
            l.nextInRow.append(-1)
            l.nextInColumn.append(-1)
            if lastInRow[cell.row] >= 0 { l.nextInRow[lastInRow[cell.row]] = k } else { l.firstInRow[cell.row] = k }
            if lastInColumn[cell.column] >= 0 { l.nextInColumn[lastInColumn[cell.column]] = k } else { l.firstInColumn[cell.column] = k }
            lastInRow[cell.row] = k
            lastInColumn[cell.column] = k
        }
        layouts[epoch] = l
        return l
    }
}
