import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension SVDTrainingJob {
    /// A block's result: its loss, where its rows are now, and, once the epoch's blocks are all
    /// in, the epoch's training RMSE, scoring and checkpoint.
    func acceptBlock(_ block: SVDBlockFlow.Block, keeps: Bool, returns: Bool, snapshotsItems: Bool, output: [String: String], payload: [Frame],
                     worker: String) throws {
        let (row, column) = flow.cell(block), e = block.epoch
        guard ledgers[e] != nil else { throw JobError("train: a result for \(block), which is not running") }
        let result: SVDBlockResult
        do { result = try SVDBlockResult(fields: output) } catch { throw JobError("train: block (\(row), \(column)): \(error)") }
        guard payload.count == (returns ? 2 : 0) else {
            throw JobError("train: block (\(row), \(column)) came back \(returns ? "without its two item frames" : "with item frames it was to keep")")
        }
        if returns {
            let i = dataset.grid.itemRange(column: column), floats = MemoryLayout<Float>.size
            guard payload[0].count == i.count * start.stride * floats, payload[1].count == i.count * floats else {
                throw JobError("train: block (\(row), \(column)) came back with item frames of the wrong size")
            }
        }
        ledgers[e]!.losses[block.index] = result.loss
        ledgers[e]!.kernelSeconds += Double(result.kernelMicroseconds) / 1e6
        ledgers[e]!.kernelCPUSeconds += Double(result.kernelCPUMicroseconds) / 1e6
        ledgers[e]!.taskSeconds += Double(result.taskMicroseconds) / 1e6
        ledgers[e]!.movedBytes += payload.reduce(0) { $0 + $1.count }
        ledgers[e]!.sessions.insert(worker)
        if owner[row] == nil { owner[row] = worker }   // placed on the first session that ran it
        // Kept rows wait on the worker for the column's next block (`itemsHeldBy`); others are here.
        itemFrames[column] = keeps ? nil : (payload[0], payload[1])
        if flow.isLastInColumn(block) {
            ledgers[e]!.items[column] = (payload[0], payload[1])
            if snapshotsItems { ledgers[e]!.itemSnapshots[column] = worker }
        }
        if flow.isLastInRow(block) { ledgers[e]!.snapshots[row] = worker }
        flow.complete(block)
        ledgers[e]!.blocksDone += 1
        guard ledgers[e]!.isDone else { return }
        let now = MonotonicClock.milliseconds()
        ledgers[e]!.seconds = Double(now - min(now, lastEpochEnded)) / 1000
        lastEpochEnded = now
        // Losses add up in the schedule's order, as in one process.
        let trainRMSE = trainCount > 0 ? (ledgers[e]!.losses.reduce(0, +) / Double(trainCount)).squareRoot() : 0
        guard trainRMSE.isFinite else {
            throw JobError("training diverged in epoch \(e + 1) (training RMSE is \(trainRMSE)); lower the learning rate")
        }
        ledgers[e]!.trainRMSE = trainRMSE
        try epochEnded(e)
    }

    /// Every block of `epoch` is in: its held-out set is scored (the workers' share and the
    /// coordinator's), and its model collected if it is a checkpoint.
    private func epochEnded(_ epoch: Int) throws {
        guard !stopping else { return }
        if heldOut.evaluation.count > 0 {
            if !coordinatorShare.allSatisfy(\.isEmpty) {
                // Unknown users and rows without training ratings: the run's start has their rows.
                let m = try start.replacing(columns: ledgers[epoch]!.items).assembled()
                ledgers[epoch]!.errors = m.withScorer(scale: dataset.manifest.ratingScale) { heldOut.errors(coordinatorShare, $0) }
            }
            ledgers[epoch]!.scoresOut = releaseScoring(epoch: epoch)
        } else {
            ledgers[epoch]!.scoresOut = 0
        }
        let periodic = (epoch + 1) % checkpointEvery == 0 || epoch + 1 == spec.svd.epochs
        if periodic || rebalanceFrom.map({ epoch >= $0 }) == true { collect(epoch: epoch) }
    }

    /// A scoring task's result: each of its rows' held-out errors.
    func acceptScore(epoch: Int, rows: [Int], output: [String: String]) throws {
        guard ledgers[epoch]?.scoresOut != nil else { throw JobError("train: held-out errors for epoch \(epoch + 1), which is not being scored") }
        for row in rows {
            guard let text = output["errors.\(row)"], let sum = ErrorSum(text: text), sum.count == heldOut.rows[row].count else {
                throw JobError("train: the held-out errors of row \(row) in epoch \(epoch + 1) are missing or count the wrong ratings")
            }
            ledgers[epoch]!.errors.merge(sum)
        }
        // Scoring runs beside the blocks: it counts by the CPU time it took, not its wall time.
        let seconds = Self.seconds(output["score_cpu_us"])
        ledgers[epoch]!.evaluationSeconds = max(ledgers[epoch]!.evaluationSeconds, Self.seconds(output["score_us"]))
        ledgers[epoch]!.scoringSeconds += seconds
        ledgers[epoch]!.scoresOut! -= 1
    }

    /// A collect task's result: one row's user rows at the epoch's end.
    func acceptCollect(epoch: Int, row: Int, output: [String: String], payload: [Frame]) throws {
        let u = dataset.grid.userRange(row: row), floats = MemoryLayout<Float>.size
        guard ledgers[epoch]?.collected != nil else {
            throw JobError("train: user rows of row \(row) for epoch \(epoch + 1), which is not being collected")
        }
        guard payload.count == 2, payload[0].count == u.count * start.stride * floats, payload[1].count == u.count * floats else {
            throw JobError("train: user rows of row \(row) came back without their two frames or with the wrong size")
        }
        let bytes = payload[0].count + payload[1].count, seconds = Self.seconds(output["task_us"])
        ledgers[epoch]!.collected![row] = (payload[0], payload[1])
        ledgers[epoch]!.movedBytes += bytes
        ledgers[epoch]!.taskSeconds += seconds
        ledgers[epoch]!.collectsOut -= 1
        if ledgers[epoch]!.closed {   // a collect asked for when the epoch closed counts in its cost
            costs[epoch].factorBytes = (costs[epoch].factorBytes ?? 0) + bytes
            costs[epoch].taskSeconds = (costs[epoch].taskSeconds ?? 0) + seconds
        }
    }

    /// Closes epochs in order as their blocks and scoring are in (reports, early stopping), builds
    /// the models whose rows are all collected, makes checkpoints of them, and ends the run when
    /// the result's model is in (or restarts it to spread rows over a worker that joined).
    func settle() throws {
        while !stopping, reports.count < spec.svd.epochs, let ledger = ledgers[reports.count], ledger.isDone, ledger.scoresOut == 0 {
            try close(reports.count)
        }
        for epoch in ledgers.keys.sorted() {
            guard let ledger = ledgers[epoch], let rows = ledger.collected, ledger.collectsOut == 0, collectedModels[epoch] == nil else { continue }
            collectedModels[epoch] = start.replacing(rows: rows, columns: ledger.items)
            ledgers[epoch]!.collected = nil
        }
        advanceCheckpoint()
        if let finalEpoch, let m = collectedModels[finalEpoch] { result = m }
        if let from = rebalanceFrom, checkpoint.epochs > from, result == nil { restartPending = true }
        // Epochs nothing needs any more: closed, collected if asked, and behind the checkpoint
        // if they were collected.
        for (epoch, ledger) in ledgers where ledger.closed && ledger.collectsOut == 0 && ledger.collected == nil
            && (collectedModels[epoch] == nil || epoch < checkpoint.epochs) {
            ledgers[epoch] = nil
        }
        let keep = Set([checkpoint.epochs - 1, checkpoint.best?.epoch ?? -1, bestEpoch ?? -1, finalEpoch ?? -1])
        collectedModels = collectedModels.filter { $0.key >= checkpoint.epochs || keep.contains($0.key) }
    }

    /// Makes `epoch`'s report and applies early stopping to it.
    private func close(_ epoch: Int) throws {
        var ledger = ledgers[epoch]!
        let testRMSE: Double?
        if heldOut.evaluation.count > 0 {
            guard ledger.errors.count == heldOut.evaluation.count else {
                throw JobError("train: epoch \(epoch + 1) scored \(ledger.errors.count) of \(heldOut.evaluation.count) held-out ratings")
            }
            testRMSE = ledger.errors.rmse
        } else {
            testRMSE = nil
        }
        reports.append(EpochReport(epoch: epoch + 1, trainRMSE: ledger.trainRMSE!, testRMSE: testRMSE, seconds: ledger.seconds,
                                   evaluationSeconds: ledger.evaluationSeconds))
        var cost = TrainingResult.EpochCost(seconds: ledger.seconds, kernelSeconds: ledger.kernelSeconds, workers: ledger.sessions.count,
                                            coordinatorSeconds: ledger.driverSeconds, factorBytes: ledger.movedBytes)
        cost.kernelCPUSeconds = ledger.kernelCPUSeconds
        cost.scoringSeconds = ledger.scoringSeconds
        cost.taskSeconds = ledger.taskSeconds
        costs.append(cost)
        let verdict = stopper.observe(testRMSE: testRMSE)
        if verdict.improved { bestEpoch = epoch }
        ledger.closed = true
        ledger.stopper = stopper
        ledger.bestEpoch = bestEpoch
        ledgers[epoch] = ledger
        if verdict.improved { collect(epoch: epoch) }
        if verdict.stop {
            stopping = true
            finalEpoch = bestEpoch
        } else if epoch + 1 == spec.svd.epochs {
            finalEpoch = bestEpoch ?? epoch
        }
    }

    /// Moves the checkpoint to the newest closed epoch whose model is in (and the model of the
    /// best epoch it reports, with early stopping).
    private func advanceCheckpoint() {
        for epoch in collectedModels.keys.sorted() where epoch >= checkpoint.epochs {
            guard let ledger = ledgers[epoch], ledger.closed, let stopperThen = ledger.stopper, let m = collectedModels[epoch] else { continue }
            var best: (epoch: Int, model: FramedModel)?
            if let b = ledger.bestEpoch {
                guard let bm = collectedModels[b] ?? (checkpoint.best?.epoch == b ? checkpoint.best?.model : nil) else { continue }
                best = (b, bm)
            }
            checkpoint = SVDCheckpoint(epochs: epoch + 1, model: m, reports: Array(reports[...epoch]), costs: Array(costs[...epoch]),
                                       stopper: stopperThen, best: best)
        }
    }

    /// A task's microseconds output as seconds (0 when absent).
    static func seconds(_ microseconds: String?) -> Double { Double(microseconds.flatMap(Int.init) ?? 0) / 1e6 }
}
