import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Testing

/// The cross-epoch dataflow of distributed SGD and the placement of rows, without sockets.
@Suite struct SVDBlockFlowTests {
    func grid(_ rows: Int, _ columns: Int) -> Grid {
        Grid(userBoundaries: (0 ... rows).map { UInt32($0 * 10) }, itemBoundaries: (0 ... columns).map { UInt32($0 * 10) })
    }

    /// Runs the flow to its end, completing released blocks in a random order (at most `inFlight`
    /// out at once); returns the blocks in the order they completed.
    func drain(_ flow: inout SVDBlockFlow, seed: UInt64, inFlight: Int, horizon: (SVDBlockFlow) -> Int = { $0.endEpoch }) -> [SVDBlockFlow.Block] {
        var rng = SeededRandom(seed: seed)
        var out: [SVDBlockFlow.Block] = [], running: [SVDBlockFlow.Block] = []
        while true {
            running += flow.release(through: horizon(flow))
            guard !running.isEmpty else { return out }
            let pick = running.remove(at: rng.below(min(running.count, inFlight)))
            flow.complete(pick)
            out.append(pick)
        }
    }

    /// Whatever order blocks finish in, each grid row and each grid column sees its blocks in the
    /// schedule's order, epoch after epoch: every block starts from the rows a sweep of the strata
    /// one after the other would give it. Empty blocks are left out.
    @Test(arguments: [(4, 4), (3, 5), (5, 2), (8, 8)])
    func chainsFollowTheScheduleWhateverOrderBlocksFinishIn(rows: Int, columns: Int) {
        let g = grid(rows, columns), schedule = StratifiedSchedule(grid: g, seed: 5)
        var rng = SeededRandom(seed: UInt64(rows * 31 + columns))
        let nonEmpty = (0 ..< g.blockCount).map { _ in rng.below(6) != 0 }
        let epochs = 2 ..< 6
        var expectedRows = [[Int]](repeating: [], count: rows), expectedColumns = [[Int]](repeating: [], count: columns)
        var serial = 0
        var index: [String: Int] = [:]
        for e in epochs {
            for cell in schedule.strata(epoch: e).joined() where nonEmpty[cell.row * columns + cell.column] {
                index["\(e):\(cell.row):\(cell.column)"] = serial
                expectedRows[cell.row].append(serial)
                expectedColumns[cell.column].append(serial)
                serial += 1
            }
        }
        for seed in 0 ..< 20 as Range<UInt64> {
            var flow = SVDBlockFlow(grid: g, schedule: schedule, nonEmpty: nonEmpty, epochs: epochs)
            let order = drain(&flow, seed: seed, inFlight: 1 + Int(seed % 5))
            #expect(order.count == serial, "every block of every epoch runs once")
            var seenRows = [[Int]](repeating: [], count: rows), seenColumns = [[Int]](repeating: [], count: columns)
            for b in order {
                let cell = flow.cell(b)
                let n = index["\(b.epoch):\(cell.row):\(cell.column)"]!
                seenRows[cell.row].append(n)
                seenColumns[cell.column].append(n)
            }
            #expect(seenRows == expectedRows)
            #expect(seenColumns == expectedColumns)
            for e in epochs { #expect(flow.isDone(epoch: e)) }
        }
    }

    /// Nothing beyond the horizon is released, and blocks of the next epoch are released before
    /// the current one is done when the horizon allows it (no barrier between epochs).
    @Test func theHorizonHoldsBlocksBackAndEpochsOverlapWithinIt() {
        let g = grid(4, 4), all = Array(repeating: true, count: 16)
        var flow = SVDBlockFlow(grid: g, schedule: StratifiedSchedule(grid: g, seed: 1), nonEmpty: all, epochs: 0 ..< 3)
        var running = flow.release(through: 1), completed = 0, early = 0
        while !running.isEmpty {
            flow.complete(running.removeFirst())
            completed += 1
            let released = flow.release(through: 1)
            early += released.filter { $0.epoch == 1 && !flow.isDone(epoch: 0) }.count
            #expect(released.allSatisfy { $0.epoch <= 1 })
            running += released
        }
        #expect(completed == 32, "epochs 0 and 1 ran, epoch 2 was held back")
        #expect(early > 0, "blocks of epoch 1 were released while epoch 0 ran")
        #expect(flow.release(through: 2).count == 4, "the whole first stratum of epoch 2 is ready once epoch 1 is done")
    }

    /// Rows are dealt in contiguous ranges, as even as the counts allow; with the cyclic strata a
    /// column's item rows change sessions at most once per session and epoch (the reason for both).
    @Test func contiguousRowsPassEachColumnOnAtMostOncePerSessionAndEpoch() {
        #expect(RowPlacement.contiguous(rows: 8, sessions: ["a", "b"]) == ["a", "a", "a", "a", "b", "b", "b", "b"])
        #expect(RowPlacement.contiguous(rows: 8, sessions: ["a", "b", "c"]) == ["a", "a", "a", "b", "b", "b", "c", "c"])
        #expect(RowPlacement.contiguous(rows: 2, sessions: ["a", "b", "c"]) == ["a", "b"])
        #expect(RowPlacement.contiguous(rows: 3, sessions: []) == [nil, nil, nil])
        let placed = RowPlacement.contiguous(rows: 8, sessions: ["a", "b"])
        #expect(!RowPlacement.isStale(placed, sessions: ["a", "b"]))
        #expect(RowPlacement.isStale(placed, sessions: ["a", "b", "c"]), "a worker that joined gets rows")
        #expect(RowPlacement.isStale([nil, nil], sessions: ["a"]), "rows placed by whoever ran them first are spread")
        for sessions in [["a", "b"], ["a", "b", "c"]] {
            let g = grid(8, 8), owner = RowPlacement.contiguous(rows: 8, sessions: sessions)
            var flow = SVDBlockFlow(grid: g, schedule: StratifiedSchedule(grid: g, seed: 7), nonEmpty: Array(repeating: true, count: 64), epochs: 0 ..< 4)
            var last = [String?](repeating: nil, count: 8), moves = 0
            for b in drain(&flow, seed: 1, inFlight: 1) {
                let cell = flow.cell(b), session = owner[cell.row]
                if let previous = last[cell.column], previous != session { moves += 1 }
                last[cell.column] = session
            }
            #expect(moves <= sessions.count * 8 * 4, "\(moves) moves of item rows for \(sessions.count) sessions")
        }
    }

    /// Blocks whose unfinished predecessors all run on the same session are released at once; a
    /// session running its released blocks in sequence order (as a worker does) always finds the
    /// first one runnable, and the chains still follow the schedule.
    @Test(arguments: [2, 3])
    func blocksGoAheadToTheSessionThatRunsTheirPredecessors(sessions count: Int) {
        let g = grid(8, 8), schedule = StratifiedSchedule(grid: g, seed: 3)
        let sessions = (0 ..< count).map { "s\($0)" }, owner = RowPlacement.contiguous(rows: 8, sessions: sessions)
        var rng = SeededRandom(seed: UInt64(count))
        let nonEmpty = (0 ..< 64).map { _ in rng.below(8) != 0 }
        let epochs = 0 ..< 3
        var eager = SVDBlockFlow(grid: g, schedule: schedule, nonEmpty: nonEmpty, epochs: epochs)
        var plain = eager
        let serial = drain(&plain, seed: 0, inFlight: 1)
        var queues = [String: [SVDBlockFlow.Block]](), order: [SVDBlockFlow.Block] = [], early = 0, outstanding = 0
        while true {
            let released = eager.release(through: epochs.upperBound) { a, b in owner[a] == owner[b] }
            if outstanding > 0 { early += released.count }
            for b in released { queues[owner[eager.cell(b).row]!, default: []].append(b) }
            outstanding += released.count
            let busy = queues.keys.filter { !queues[$0]!.isEmpty }.sorted()
            guard !busy.isEmpty else { break }
            let session = busy[rng.below(busy.count)]
            let at = queues[session]!.indices.min { queues[session]![$0].epoch * eager.perEpoch + queues[session]![$0].index
                < queues[session]![$1].epoch * eager.perEpoch + queues[session]![$1].index }!
            let b = queues[session]!.remove(at: at)
            eager.complete(b)   // traps if a predecessor were not done
            outstanding -= 1
            order.append(b)
        }
        #expect(order.count == serial.count)
        let byRow = { (blocks: [SVDBlockFlow.Block], row: Int) in blocks.filter { plain.cell($0).row == row } }
        let byColumn = { (blocks: [SVDBlockFlow.Block], column: Int) in blocks.filter { plain.cell($0).column == column } }
        for i in 0 ..< 8 {
            #expect(byRow(order, i) == byRow(serial, i))
            #expect(byColumn(order, i) == byColumn(serial, i))
        }
        #expect(early > order.count / 4, "\(early) of \(order.count) blocks went out before the blocks they wait for were done")
    }
}
