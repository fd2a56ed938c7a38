import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The blocks of a stratified-SGD run as one dataflow across epochs. Every grid row's blocks
/// form a chain (its blocks in the schedule's order, epoch after epoch), and so does every grid
/// column's; a block may run once every block before it in both of its chains is done, whatever
/// epoch those were in. That is exactly what the stratified order requires: a block starts from
/// the user rows the row's previous block left and the item rows the column's previous block left,
/// so the model is the same bits as a sweep of the strata one after the other. No block waits for
/// the rest of its stratum or of its epoch.
///
/// A block may also be released before the blocks it waits for are done, when those all run where
/// it will (the caller's `local`): a worker runs the tasks it holds in the sequential order, so it
/// finishes them first, and the block is on its way instead of waiting for their results to reach
/// the coordinator. Each chain's released, unfinished blocks are then all on one worker, and
/// finish in order.
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
    /// Per grid row and column: the first block of its chain not yet released (nil: none left),
    /// and the blocks released and not done, in chain order.
    private var rowNext: [Block?]
    private var columnNext: [Block?]
    private var rowOut: [[Block]]
    private var columnOut: [[Block]]
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
        rowOut = Array(repeating: [], count: grid.rows)
        columnOut = Array(repeating: [], count: grid.columns)
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
        following(block, inRow: false)
    }

    /// Whether every block of `epoch` is done.
    func isDone(epoch: Int) -> Bool { doneCount[epoch - firstEpoch] == perEpoch }

    /// Blocks of epochs up to `through` that may run now, or may be sent on because every
    /// unfinished block before them runs where they will (`local(earlier block's grid row, the
    /// block's grid row)`), and were not released before; they are released, in the order
    /// returned (passes over the grid rows, until a pass releases nothing).
    mutating func release(through epoch: Int, local: (Int, Int) -> Bool = { _, _ in false }) -> [Block] {
        var out: [Block] = []
        var progress = true
        while progress {
            progress = false
            for r in 0 ..< grid.rows {
                guard let b = rowNext[r], b.epoch <= epoch else { continue }
                let c = cell(b).column
                let inRow = rowOut[r], inColumn = columnOut[c]   // copies of references, no new arrays
                guard columnNext[c] == b, inRow.allSatisfy({ local(cell($0).row, r) }), inColumn.allSatisfy({ local(cell($0).row, r) })
                else { continue }
                rowOut[r].append(b)
                columnOut[c].append(b)
                rowNext[r] = following(b, inRow: true)
                columnNext[c] = following(b, inRow: false)
                out.append(b)
                progress = true
            }
        }
        return out
    }

    /// The first block of grid column `column` released and not done.
    func firstOutstanding(inColumn column: Int) -> Block? { columnOut[column].first }

    /// Records `block` (released before) as done.
    mutating func complete(_ block: Block) {
        let (row, column) = cell(block)
        precondition(rowOut[row].first == block && columnOut[column].first == block, "\(block) completed out of order")
        rowOut[row].removeFirst()
        columnOut[column].removeFirst()
        doneCount[block.epoch - firstEpoch] += 1
        // Layouts behind every chain are no longer needed.
        let oldest = (rowOut.compactMap { $0.first } + columnOut.compactMap { $0.first } + rowNext.compactMap { $0 } + columnNext.compactMap { $0 })
            .map(\.epoch).min() ?? endEpoch
        for e in layouts.keys where e < oldest - 1 { layouts[e] = nil }
    }

    /// The block after `block` in its row's (or column's) chain, in this epoch or the next.
    private mutating func following(_ block: Block, inRow: Bool) -> Block? {
        let l = layout(block.epoch), within = inRow ? l.nextInRow[block.index] : l.nextInColumn[block.index]
        if within >= 0 { return Block(epoch: block.epoch, index: within) }
        guard block.epoch + 1 < endEpoch else { return nil }
        let (row, column) = l.cells[block.index], next = layout(block.epoch + 1)
        return Block(epoch: block.epoch + 1, index: inRow ? next.firstInRow[row] : next.firstInColumn[column])
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
