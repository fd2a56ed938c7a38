import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension SVDTrainingJob {
    /// Starts a run from the checkpoint: rows placed over the registered sessions, every row at
    /// the coordinator, and the blocks that can run released.
    func startRun() -> StagePlan {
        let grid = dataset.grid
        start = checkpoint.model
        reports = checkpoint.reports
        costs = checkpoint.costs
        stopper = checkpoint.stopper
        bestEpoch = checkpoint.best?.epoch
        collectedModels = [:]
        if let b = checkpoint.best { collectedModels[b.epoch] = b.model }
        if checkpoint.epochs > 0 { collectedModels[checkpoint.epochs - 1] = checkpoint.model }
        // A checkpoint of the epoch early stopping stopped at ends the run: the result is its best model.
        stopping = checkpoint.stopper.hasStopped
        finalEpoch = nil
        flow = SVDBlockFlow(grid: grid, schedule: schedule, nonEmpty: nonEmpty,
                            epochs: checkpoint.epochs ..< (stopping ? checkpoint.epochs : spec.svd.epochs))
        owner = RowPlacement.contiguous(rows: grid.rows, sessions: available)
        // Rows placed only as their first blocks finish (no session at the start) may have had
        // blocks released before their owner was known: no block goes ahead in such a run.
        aheadPlacement = owner.contains(nil) ? nil : owner
        rowSwept = Array(repeating: nil, count: grid.rows)
        columnSwept = Array(repeating: nil, count: grid.columns)
        itemsHeldBy = Array(repeating: nil, count: grid.columns)
        itemFrames = Array(repeating: nil, count: grid.columns)
        tasks = []
        blocksReleased = 0
        stageFirstEpoch = checkpoint.epochs
        ready = []
        ledgers = [:]
        heldOutSent = [:]
        lastEpochEnded = MonotonicClock.milliseconds()
        runs += 1
        releaseBlocks()
        let first = ready
        ready = []
        result = nil
        let restarted = checkpoint.epochs > 0 ? " from the checkpoint after epoch \(checkpoint.epochs)" : ""
        return StagePlan(name: "epochs \(checkpoint.epochs + 1)-\(spec.svd.epochs)\(restarted)", tasks: first, total: first.count + expectedTasks)
    }

    /// Releases the blocks that can run, up to `lookahead` epochs beyond the oldest epoch not yet
    /// closed (scored): scoring runs beside the blocks, at the lowest priority, and may lag a
    /// little; early stopping wastes at most that many epochs and snapshots stay few.
    func releaseBlocks() {
        // A block whose unfinished predecessors all run on its session goes there at once: the
        // worker runs them first (`SVDBlockFlow.release`). Every row is placed for the whole run.
        let placed = aheadPlacement
        for block in flow.release(through: reports.count + Self.lookahead, local: { a, b in placed.map { $0[a] == $0[b] } ?? false }) {
            releaseBlock(block)
        }
    }

    /// Epochs beyond the oldest one not yet closed whose blocks may run.
    static let lookahead = 2

    /// Tasks the stage still expects besides those released: blocks, one scoring task per
    /// session and epoch, and one collect per grid row of each epoch whose model is collected (a
    /// checkpoint, the last). An estimate for progress, counting nothing twice: an epoch whose
    /// scoring or collects are out has them in `tasks` already, and the sessions are those that
    /// will hold rows (every worker, up to one per grid row) from the start, so the total does not
    /// grow as rows are placed.
    var expectedTasks: Int {
        let sessions = max(1, Set(owner.compactMap { $0 }).count, min(available.count, dataset.grid.rows))
        var scoring = 0, collects = 0
        for epoch in checkpoint.epochs ..< max(checkpoint.epochs, spec.svd.epochs) {
            let ledger = ledgers[epoch]
            if heldOut.evaluation.count > 0, epoch >= reports.count, ledger?.scoresOut == nil { scoring += sessions }
            let collected = (epoch + 1) % checkpointEvery == 0 || epoch + 1 == spec.svd.epochs
            if collected, ledger?.collected == nil, collectedModels[epoch] == nil { collects += dataset.grid.rows }
        }
        // Blocks released count from the stage's start, not from the latest checkpoint.
        let blocks = flow.perEpoch * max(0, spec.svd.epochs - stageFirstEpoch) - blocksReleased
        return max(0, blocks) + scoring + collects
    }

    /// The task of `block`. User rows travel until a session holds the row; item rows come from
    /// the session that kept them, else from the coordinator. The block keeps its item rows for
    /// the column's next block when that runs on the same session, returns them otherwise and
    /// always at the column's last block of the epoch (the epoch's item rows are then all at the
    /// coordinator), and keeps a snapshot of its user rows when it is its row's last of the epoch.
    func releaseBlock(_ block: SVDBlockFlow.Block) {
        let (row, column) = flow.cell(block)
        let grid = dataset.grid
        let session = owner[row]
        if ledgers[block.epoch] == nil {
            ledgers[block.epoch] = SVDEpochLedger(blocks: flow.perEpoch, rows: grid.rows, columns: grid.columns)
        }
        var payload: [Frame] = []
        // Rows from the worker's memory name the block that must have left them there: a block
        // released before its predecessors are done fails (and is retried) rather than sweep
        // rows they have not swept yet.
        let sequence = priority(epoch: block.epoch, index: block.index)
        let usersAfter = rowSwept[row]
        if usersAfter == nil { payload = start.userFrames(row: row) }
        rowSwept[row] = sequence
        var itemsAfter: Int?
        if let held = itemsHeldBy[column] {
            precondition(held == session, "item rows of column \(column) wait on \(held), block (\(row), \(column)) goes to \(session ?? "any")")
            itemsAfter = columnSwept[column]!
        } else {
            assert(flow.firstOutstanding(inColumn: column) == block, "block (\(row), \(column)) went ahead of a block that returns its item rows")
            payload += itemPayload(column)
        }
        columnSwept[column] = sequence
        let keep = session != nil && flow.nextInColumn(block).map { owner[flow.cell($0).row] == session } == true
        itemsHeldBy[column] = keep ? session : nil
        let last = flow.isLastInColumn(block)
        let lastInRow = flow.isLastInRow(block), snapshotsItems = last && session != nil
        let steps = SGDSteps(spec.svd, epoch: block.epoch)
        let (files, split) = spec.taskInputs(own: [(row, column)], dataset.manifest)
        let task = SVDBlockTask(row: row, column: column, stride: start.stride, split: split, mean: start.base.globalMean, lrBias: steps.lrBias,
                                lrFactors: steps.lrFactors, regBias: steps.regBias, regFactors: steps.regFactors, biased: steps.biased,
                                sequence: sequence, users: usersAfter == nil ? .payload : .resident, usersAfter: usersAfter,
                                items: itemsAfter == nil ? .payload : .resident, itemsAfter: itemsAfter, keepItems: keep, returnItems: !keep || last,
                                snapshot: lastInRow ? block.epoch : nil, itemsSnapshot: snapshotsItems ? block.epoch : nil,
                                keepSnapshots: lastInRow || snapshotsItems
                                    ? TaskList<Int>(ledgers.filter { $0.key != block.epoch && $0.value.needsSnapshots }.keys.sorted()) : nil)
        ledgers[block.epoch]!.movedBytes += payload.reduce(0) { $0 + $1.count }
        blocksReleased += 1
        enqueue(.block(block, keeps: keep, returns: !keep || last, snapshotsItems: snapshotsItems),
                task.plan(files: files, payload: payload, affinity: session, priority: sequence))
    }

    /// Adds a task to the stage: its index is the next one, in the order tasks are released.
    func enqueue(_ task: RunTask, _ plan: TaskPlan) {
        tasks.append(task)
        ready.append(plan)
    }

    /// The scoring tasks of `epoch`, once all its blocks are in: one per session holding snapshots
    /// of rows with held-out ratings, with every item row at the epoch's end and the held-out
    /// ratings of its rows not sent to it before.
    func releaseScoring(epoch: Int) -> Int {
        guard let ledger = ledgers[epoch] else { return 0 }
        var rowsOf: [String: [Int]] = [:]
        for (row, session) in ledger.snapshots.enumerated() where !heldOut.rows[row].isEmpty {
            if let session { rowsOf[session, default: []].append(row) }
        }
        let final = start.replacing(columns: ledger.items)
        for (session, rows) in rowsOf.sorted(by: { $0.key < $1.key }) {
            let unsent = rows.filter { heldOutSent[session]?.contains($0) != true }
            heldOutSent[session, default: []].formUnion(unsent)
            // The columns whose last block of the epoch ran there: the session has their rows.
            let resident = (0 ..< dataset.grid.columns).filter { ledger.itemSnapshots[$0] == session }
            let task = SVDScoreTask(epoch: epoch, rows: TaskList<Int>(rows), heldOut: TaskList<Int>(unsent), stride: start.stride,
                                    columns: dataset.grid.columns, mean: start.base.globalMean, scale: TaskScale(dataset.manifest.ratingScale),
                                    residentColumns: TaskList<Int>(resident))
            let items = (0 ..< dataset.grid.columns).filter { !resident.contains($0) }.flatMap { final.itemFrames(column: $0) }
            let payload = items + unsent.flatMap { heldOut.frames(row: $0) }
            ledgers[epoch]!.movedBytes += payload.reduce(0) { $0 + $1.count }
            enqueue(.score(epoch: epoch, rows: rows), task.plan(payload: payload, affinity: session))
        }
        return rowsOf.count
    }

    /// Asks for `epoch`'s model (a checkpoint, the best epoch's, the result): each row's user rows
    /// from the session that snapshotted them. Once is enough.
    func collect(epoch: Int) {
        guard var ledger = ledgers.removeValue(forKey: epoch) else { return }
        defer { ledgers[epoch] = ledger }
        guard ledger.collected == nil, collectedModels[epoch] == nil else { return }
        for (row, session) in ledger.snapshots.enumerated() {
            guard let session else { continue }
            // A checkpoint is not urgent: it goes after the next epoch's blocks on its session.
            enqueue(.collect(epoch: epoch, row: row), SVDCollectTask(row: row, epoch: epoch).plan(affinity: session, priority: priority(epoch: epoch + 2, index: 0)))
            ledger.collectsOut += 1
        }
        // Rows no worker holds never change: the run's starting values are the epoch's.
        ledger.collected = Array(repeating: nil, count: dataset.grid.rows)
    }

    /// The priority of the run's block `index` of `epoch` (or of a task that goes with it): the
    /// run, then the place in the sequential sweep. A later run's tasks come after an earlier
    /// one's, which a worker may still hold.
    func priority(epoch: Int, index: Int) -> Int {
        runs << 40 | (epoch * flow.perEpoch + index)
    }

    /// A column's newest item rows as payload frames (from the last block that returned them, or
    /// the run's start).
    func itemPayload(_ column: Int) -> [Frame] {
        itemFrames[column].map { [$0.factors, $0.biases] } ?? start.itemFrames(column: column)
    }
}
