import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension SVDTrainingJob {
    /// `svd-block`: one SGD sweep over a block's training ratings (docs/PROTOCOL.md section 8).
    /// The user rows come in the task (`users=payload`) or from this worker's memory
    /// (`users=resident`), the item rows likewise (`items=payload`, the default, or `resident`).
    /// The worker keeps the updated user rows for the row's next block; it keeps the item rows too
    /// with `keep_items=true`, and returns them unless `return_items=false` (the default is to
    /// return what it does not keep). `snapshot=E` keeps a copy of the updated user rows as epoch
    /// E's (the block is its row's last of epoch E), `items_snapshot=E` one of the item rows (its
    /// column's last), and `keep_snapshots` lists the other epochs whose snapshots are still wanted:
    /// snapshots of older epochs not listed are dropped. `sequence` is the block's place in the run's sequential sweep;
    /// rows taken from memory must have been left there by the block named in `users_after` and
    /// `items_after`, else the task fails, retryably (the earlier block has not run here yet).
    static let blockRunner: TaskRunners.Runner = { input in
        let entered = MonotonicClock.nanoseconds()
        let task = try SVDBlockTask(input)
        let row = task.row, column = task.column, stride = task.stride, sequence = task.sequence
        let source = task.users.rawValue, itemSource = task.items.rawValue
        let keep = task.keepItems, returning = task.returnItems, snapshot = task.snapshot, itemSnapshot = task.itemsSnapshot
        let usersAfter = task.usersAfter, itemsAfter = task.itemsAfter, wanted = task.keepSnapshots?.values ?? []
        guard !input.files.isEmpty else { throw TaskError("svd-block: no shard") }
        guard FactorMatrix.isValidStride(stride) else { throw TaskError("svd-block: field 'stride' is not a stride the kernels step through: \(stride)") }
        guard (usersAfter == nil) == (task.users == .payload) else { throw TaskError("svd-block: field 'users_after' comes with users=resident, and only then") }
        guard (itemsAfter == nil) == (task.items == .payload) else { throw TaskError("svd-block: field 'items_after' comes with items=resident, and only then") }
        let block = try TrainingBlocks.shared.blocks(input.files, own: 1, split: task.split.split, seed: task.split.seed)[0]
        guard block.row == row, block.column == column else {
            throw TaskError("svd-block: the shard holds block (\(block.row), \(block.column)), not (\(row), \(column))")
        }
        let users = block.userRange.count, items = block.itemRange.count
        let itemsAt = source == "payload" ? 2 : 0
        guard input.payload.count == itemsAt + (itemSource == "payload" ? 2 : 0) else {
            throw TaskError("svd-block: \(input.payload.count) payload frames do not fit users=\(source) items=\(itemSource)")
        }
        // Rows taken from memory go back there if the task fails before its sweep.
        let job = input.job
        var restore: [() -> Void] = []
        defer { restore.forEach { $0() } }
        func rows(_ source: String, at: Int, count: Int, memory: JobMemory<Int, FactorRows>, key: Int, after: Int?, what: String) throws -> FactorRows {
            let line = what == "user" ? "row" : "column"
            if source == "payload" {
                // Taken out of the input, so the sweep changes them where they landed.
                guard let rows = FactorRows(factors: input.takePayload(at), bias: input.takePayload(at + 1), count: count, stride: stride) else {
                    throw TaskError("svd-block: the \(what) frames do not fit block (\(row), \(column))")
                }
                return rows
            }
            guard let kept = memory.take(job: input.job, key) else {
                // Rows of an earlier block that was sent again may still come: retry.
                throw TaskError.notReady("svd-block: this worker holds no \(what) rows of \(line) \(key) for job \(input.job) (block \(after!) has not run here)")
            }
            restore.append { memory.keep(job: job, key, kept) }
            guard kept.swept == after else {
                // The block before it on these rows has not run here yet: it was sent again.
                throw TaskError.notReady("svd-block: the \(what) rows held for \(line) \(key) are as block \(kept.swept.map(String.init) ?? "-") left them, not block \(after!)")
            }
            guard kept.factors.count == count * stride * MemoryLayout<Float>.size, kept.count == count else {
                throw TaskError("svd-block: the \(what) rows held for \(line) \(key) do not fit the block")
            }
            return kept
        }
        var u = try rows(source, at: 0, count: users, memory: SVDMemory.users, key: row, after: usersAfter, what: "user")
        var q = try rows(itemSource, at: itemsAt, count: items, memory: SVDMemory.items, key: column, after: itemsAfter, what: "item")
        restore = []
        u.swept = sequence
        q.swept = sequence
        var steps = SGDSteps(SVDParameters(), epoch: 0)
        steps.lrBias = task.lrBias
        steps.lrFactors = task.lrFactors
        steps.regBias = task.regBias
        steps.regFactors = task.regFactors
        steps.biased = task.biased
        let started = MonotonicClock.nanoseconds(), cpu = MonotonicClock.threadCPUNanoseconds()
        let loss = u.withMutableFloats { pu, bu in
            q.withMutableFloats { qi, bi in
                SGDBlockKernel.sweep(block, rows: SGDBlockKernel.Rows(
                    userRows: pu, itemRows: qi, userBias: bu, itemBias: bi,
                    userBase: Int(block.userRange.lowerBound), itemBase: Int(block.itemRange.lowerBound), stride: stride),
                    mean: task.mean, steps: steps)
            }
        }
        let kernel = (MonotonicClock.nanoseconds() - started) / 1000, kernelCPU = (MonotonicClock.threadCPUNanoseconds() - cpu) / 1000
        if let epoch = snapshot ?? itemSnapshot {
            // Only older epochs go: a block sent again may run after a later epoch's snapshots.
            let kept = Set(wanted)
            SVDMemory.snapshots.forget(job: input.job) { $0.epoch < epoch && !kept.contains($0.epoch) }
            SVDMemory.itemSnapshots.forget(job: input.job) { $0.epoch < epoch && !kept.contains($0.epoch) }
        }
        if let snapshot {
            let first = Int(block.userRange.lowerBound)
            SVDMemory.snapshots.keep(job: input.job, SVDMemory.SnapshotKey(index: row, epoch: snapshot), RowSnapshot(first: first, rows: u))
        }
        if let itemSnapshot { SVDMemory.itemSnapshots.keep(job: input.job, SVDMemory.SnapshotKey(index: column, epoch: itemSnapshot), q) }
        SVDMemory.users.keep(job: input.job, row, u)
        let payload = returning ? [q.factors, q.bias] : []
        if keep { SVDMemory.items.keep(job: input.job, column, q) }
        let result = SVDBlockResult(loss: loss, kernelMicroseconds: Int(kernel), kernelCPUMicroseconds: Int(kernelCPU),
                                    taskMicroseconds: Int((MonotonicClock.nanoseconds() - entered) / 1000))
        return TaskOutput(output: result.fields, payload: payload)
    }

    /// `svd-score`: the held-out errors of epoch E (`epoch`) on the grid rows `rows`, from this
    /// worker's snapshots of their user rows and every item row: its own snapshots of the
    /// `resident_columns`, the others in the payload (per grid column in order, its item rows and
    /// item biases; then for each row in `held_out`, that row's held-out users, items and ratings,
    /// which the worker keeps for later epochs). Returns each row's
    /// `ErrorSum` as `errors.ROW`, and the task's wall and CPU time (`score_us`, `score_cpu_us`:
    /// it runs in the background, so the two differ by the time it waited for a core).
    static let scoreRunner: TaskRunners.Runner = { input in
        let task = try SVDScoreTask(input)
        let epoch = task.epoch, rows = task.rows.values, sent = task.heldOut.values, stride = task.stride, columns = task.columns
        let mean = task.mean, scale = task.scale.scale, resident = Set(task.residentColumns.values)
        guard FactorMatrix.isValidStride(stride), columns > 0, resident.allSatisfy({ (0 ..< columns).contains($0) }), Set(sent).isSubset(of: rows),
              input.payload.count == 2 * (columns - resident.count) + 3 * sent.count else {
            throw TaskError("svd-score: a stride, columns or rows that do not hold together, or payload frames that do not fit them")
        }
        let started = MonotonicClock.nanoseconds(), cpu = MonotonicClock.threadCPUNanoseconds()
        var factorParts: [Frame] = [], biasParts: [Frame] = [], at = 0
        for c in 0 ..< columns {
            if resident.contains(c) {
                guard let kept = SVDMemory.itemSnapshots.peek(job: input.job, SVDMemory.SnapshotKey(index: c, epoch: epoch)) else {
                    throw TaskError("svd-score: this worker holds no item rows of column \(c) at the end of epoch \(epoch + 1) for job \(input.job)")
                }
                factorParts.append(kept.factors)
                biasParts.append(kept.bias)
            } else {
                factorParts.append(input.payload[at])
                biasParts.append(input.payload[at + 1])
                at += 2
            }
        }
        guard let itemBias = joined(biasParts), let itemRows = joined(factorParts),
              itemRows.count == itemBias.count * stride else {
            throw TaskError("svd-score: the item frames do not fit \(columns) columns of rows with stride \(stride)")
        }
        for (n, row) in sent.enumerated() {
            let at = 2 * (columns - resident.count) + 3 * n, count = input.payload[at].count / 4
            guard let users = FloatFrames.values(input.payload[at], count: count, as: Int32.self),
                  let items = FloatFrames.values(input.payload[at + 1], count: count, as: Int32.self),
                  let ratings = FloatFrames.values(input.payload[at + 2], count: count, as: Float.self) else {
                throw TaskError("svd-score: the held-out frames of row \(row) do not fit")
            }
            SVDMemory.heldOut.keep(job: input.job, row, HeldOutRatings(users: users, items: items, ratings: ratings))
        }
        var output: [String: String] = [:]
        for row in rows {
            guard let snapshot = SVDMemory.snapshots.peek(job: input.job, SVDMemory.SnapshotKey(index: row, epoch: epoch)) else {
                throw TaskError("svd-score: this worker holds no user rows of row \(row) at the end of epoch \(epoch + 1) for job \(input.job)")
            }
            guard let held = SVDMemory.heldOut.peek(job: input.job, row) else {
                throw TaskError("svd-score: this worker holds no held-out ratings of row \(row) for job \(input.job)")
            }
            guard snapshot.rows.factors.count == snapshot.rows.count * stride * MemoryLayout<Float>.size else {
                throw TaskError("svd-score: the user rows held for row \(row) are not rows of stride \(stride)")
            }
            guard held.users.isEmpty || held.userBounds.lowerBound >= snapshot.first, held.userBounds.upperBound <= snapshot.first + snapshot.rows.count,
                  held.itemBounds.lowerBound >= -1, held.itemBounds.upperBound <= itemBias.count else {
                throw TaskError("svd-score: held-out ratings of row \(row) name users or items outside its rows")
            }
            let errors = snapshot.rows.withFloats { pu, bu in
                itemRows.withUnsafeBufferPointer { qi in
                    itemBias.withUnsafeBufferPointer { bi in
                        held.users.withUnsafeBufferPointer { hu in
                            held.items.withUnsafeBufferPointer { hi in
                                held.ratings.withUnsafeBufferPointer { hr in
                                    HeldOutScorer(userRows: pu, userBias: bu, userBase: snapshot.first,
                                                  itemRows: qi.baseAddress!, itemBias: bi.baseAddress!, stride: stride, mean: mean, scale: scale)
                                        .errors(users: hu, items: hi, ratings: hr)
                                }
                            }
                        }
                    }
                }
            }
            output["errors.\(row)"] = errors.text
        }
        output["score_us"] = String((MonotonicClock.nanoseconds() - started) / 1000)
        output["score_cpu_us"] = String((MonotonicClock.threadCPUNanoseconds() - cpu) / 1000)
        return TaskOutput(output: output)
    }

    /// `svd-collect`: the user rows of grid row `row` as epoch `epoch` left them (this worker's
    /// snapshot), for a checkpoint or the final model.
    static let collectRunner: TaskRunners.Runner = { input in
        let entered = MonotonicClock.nanoseconds()
        let task = try SVDCollectTask(input)
        guard let kept = SVDMemory.snapshots.peek(job: input.job, SVDMemory.SnapshotKey(index: task.row, epoch: task.epoch)) else {
            throw TaskError("svd-collect: this worker holds no user rows of that row and epoch for job \(input.job)")
        }
        let payload = [kept.rows.factors, kept.rows.bias]
        return TaskOutput(output: ["task_us": String((MonotonicClock.nanoseconds() - entered) / 1000)], payload: payload)
    }

    /// The frames' floats one after the other, in one copy (nil when a frame is not a whole
    /// number of floats).
    private static func joined(_ frames: [Frame]) -> [Float]? {
        let size = MemoryLayout<Float>.stride
        guard frames.allSatisfy({ $0.count % size == 0 }) else { return nil }
        let count = frames.reduce(0) { $0 + $1.count } / size
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            var at = UnsafeMutableRawPointer(buffer.baseAddress)
            for frame in frames {
                frame.withUnsafeBytes { bytes in
                    if let from = bytes.baseAddress { at?.copyMemory(from: from, byteCount: bytes.count) }
                }
                at = at.map { $0 + frame.count }
            }
            initialized = count
        }
    }
}
