import CineMeshData
import CineMeshNumerics

/// A worker's in-memory cache of training blocks: a shard read once and split once per job, then
/// reused by every epoch's task on that block. Bounded: when the cached ratings pass `capacity`
/// bytes, the cache starts over.
final class TrainingBlocks: @unchecked Sendable {
    static let shared = TrainingBlocks(capacity: 8 << 30)

    private let lock = Lock()
    private var blocks: [String: RatingBlock] = [:]
    private var bytes = 0
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The training parts of the first `own` shards of `paths` under `split` and `seed`. A split
    /// decided per rating reads only those. One that is not (last:K) needs every shard of their
    /// grid rows, which the rest of `paths` must supply: each grid row is split as a whole, as the
    /// whole dataset would be (a user's ratings all lie in one grid row), and every block of it is
    /// kept for later tasks.
    func blocks(_ paths: [String], own: Int, split: SplitSpec, seed: UInt64) throws -> [RatingBlock] {
        guard own >= 1, own <= paths.count else { throw TaskError("\(own) own files of \(paths.count)") }
        // Under a split that is not per rating a block's training part depends on the other
        // shards of its row too, so they are part of its key (cache paths name shard contents).
        let context = split.isPerRating ? "" : "|" + paths.sorted().joined(separator: ",")
        func key(_ path: String) -> String { "\(path)|\(split)|\(seed)\(context)" }
        let mine = Array(paths.prefix(own))
        if let cached = lock.withLock({ () -> [RatingBlock]? in
            let found = mine.compactMap { blocks[key($0)] }
            return found.count == mine.count ? found : nil
        }) { return cached }
        var train: [String: RatingBlock] = [:]
        if split.isPerRating {
            for path in mine {
                let whole = try ShardFile.read(path, includeTimestamps: false)
                train[path] = try split.apply([whole], users: Int(whole.userRange.upperBound), seed: seed).train[0]
            }
        } else {
            let wholes = try paths.map { try ShardFile.read($0, includeTimestamps: true) }
            let rows = Set(mine.map { path in wholes[paths.firstIndex(of: path)!].row })
            for row in rows {
                let line = paths.indices.filter { wholes[$0].row == row }.sorted { wholes[$0].column < wholes[$1].column }
                let users = line.map { Int(wholes[$0].userRange.upperBound) }.max() ?? 0
                let parts = try split.apply(line.map { wholes[$0] }, users: users, seed: seed).train
                for (n, at) in line.enumerated() {
                    var part = parts[n]
                    part.timestamps = []   // only the split needed them
                    train[paths[at]] = part
                }
            }
        }
        lock.withLock {
            for (path, block) in train {
                let size = block.count * 12
                if bytes + size > capacity {
                    blocks.removeAll()
                    bytes = 0
                }
                blocks[key(path)] = block
                bytes += size
            }
        }
        return mine.map { train[$0]! }
    }
}

/// Factor rows a worker keeps between the tasks of one training job. `shared` holds user rows:
/// after sweeping block (i, j) the worker holds the newest rows of user range i, so the next task
/// on row i (pinned to this worker session) needs only the item rows. `items` holds item rows by
/// grid column, kept when the coordinator says the column's next block runs on this worker too.
/// Rows of older jobs are dropped when a newer job's rows arrive.
final class ResidentRows: @unchecked Sendable {
    static let shared = ResidentRows()
    static let items = ResidentRows()

    private let lock = Lock()
    private var job: Int64 = -1
    private var rows: [Int: (factors: [Float], bias: [Float])] = [:]

    /// A copy (shared storage) of the rows, left in place.
    func peek(job: Int64, row: Int) -> (factors: [Float], bias: [Float])? {
        lock.withLock { self.job == job ? rows[row] : nil }
    }

    /// The rows, removed: the caller holds the only reference, so updating them in place copies
    /// nothing. The caller gives them back with `keep`.
    func take(job: Int64, row: Int) -> (factors: [Float], bias: [Float])? {
        lock.withLock { self.job == job ? rows.removeValue(forKey: row) : nil }
    }

    func keep(job: Int64, row: Int, factors: [Float], bias: [Float]) {
        lock.withLock {
            if job != self.job {
                rows.removeAll()
                self.job = job
            }
            rows[row] = (factors, bias)
        }
    }
}

extension TaskRunners {
    /// `svd-block`: one SGD sweep over a block's training ratings. The item rows come in the task
    /// (`items=payload`, the default) or from this worker's memory (`items=resident`); the user
    /// rows likewise (`users=payload` or `users=resident`). The worker keeps the updated user rows,
    /// keeps the updated item rows too with `keep_items=true` (the column's next block runs here)
    /// and otherwise returns them, with the sweep's squared-error sum.
    static let svdBlock: Runner = { input in
        let p = input.parameters
        guard !input.files.isEmpty, let row = p["row"].flatMap(Int.init), let column = p["column"].flatMap(Int.init),
              let stride = p["stride"].flatMap(Int.init), let splitText = p["split"], let splitSeed = p["split_seed"].flatMap(UInt64.init),
              let mean = ExactFloat.float(p["mean"]), let lrBias = ExactFloat.float(p["lr_bias"]),
              let lrFactors = ExactFloat.float(p["lr_factors"]), let regBias = ExactFloat.float(p["reg_bias"]),
              let regFactors = ExactFloat.float(p["reg_factors"]), let biased = p["biased"].flatMap(Bool.init),
              let source = p["users"], source == "payload" || source == "resident",
              case let itemSource = p["items"] ?? "payload", itemSource == "payload" || itemSource == "resident",
              case let keepItems = p["keep_items"] ?? "false", let keep = Bool(keepItems) else {
            throw TaskError("svd-block: missing or bad parameters")
        }
        let split: SplitSpec
        do { split = try SplitSpec(parsing: splitText) } catch { throw TaskError("svd-block: \(error)") }
        let block = try TrainingBlocks.shared.blocks(input.files, own: 1, split: split, seed: splitSeed)[0]
        guard block.row == row, block.column == column else {
            throw TaskError("svd-block: the shard holds block (\(block.row), \(block.column)), not (\(row), \(column))")
        }
        let users = block.userRange.count, items = block.itemRange.count
        let frames = input.payload, itemsAt = source == "payload" ? 2 : 0
        guard frames.count == itemsAt + (itemSource == "payload" ? 2 : 0) else {
            throw TaskError("svd-block: \(frames.count) payload frames do not fit users=\(source) items=\(itemSource)")
        }
        var userRows: [Float], userBias: [Float], itemRows: [Float], itemBias: [Float]
        if itemSource == "payload" {
            guard let f = FloatFrames.floats(frames[itemsAt], count: items * stride), let b = FloatFrames.floats(frames[itemsAt + 1], count: items) else {
                throw TaskError("svd-block: the item frames do not fit block (\(row), \(column))")
            }
            (itemRows, itemBias) = (f, b)
        } else {
            guard let kept = ResidentRows.items.take(job: input.job, row: column) else {
                throw TaskError("svd-block: this worker holds no item rows of column \(column) for job \(input.job)")
            }
            guard kept.factors.count == items * stride else {
                ResidentRows.items.keep(job: input.job, row: column, factors: kept.factors, bias: kept.bias)
                throw TaskError("svd-block: the item rows held for column \(column) do not fit the block")
            }
            (itemRows, itemBias) = kept
        }
        if source == "payload" {
            guard let f = FloatFrames.floats(frames[0], count: users * stride), let b = FloatFrames.floats(frames[1], count: users) else {
                throw TaskError("svd-block: the user frames do not fit block (\(row), \(column))")
            }
            (userRows, userBias) = (f, b)
        } else {
            guard let kept = ResidentRows.shared.take(job: input.job, row: row) else {
                if itemSource == "resident" { ResidentRows.items.keep(job: input.job, row: column, factors: itemRows, bias: itemBias) }
                throw TaskError("svd-block: this worker holds no user rows of row \(row) for job \(input.job)")
            }
            guard kept.factors.count == users * stride else {
                ResidentRows.shared.keep(job: input.job, row: row, factors: kept.factors, bias: kept.bias)
                if itemSource == "resident" { ResidentRows.items.keep(job: input.job, row: column, factors: itemRows, bias: itemBias) }
                throw TaskError("svd-block: the user rows held for row \(row) do not fit the block")
            }
            (userRows, userBias) = kept
        }
        var steps = SGDSteps(SVDParameters(), epoch: 0)
        steps.lrBias = lrBias
        steps.lrFactors = lrFactors
        steps.regBias = regBias
        steps.regFactors = regFactors
        steps.biased = biased
        let started = MonotonicClock.nanoseconds()
        let loss = userRows.withUnsafeMutableBufferPointer { pu in
            itemRows.withUnsafeMutableBufferPointer { qi in
                userBias.withUnsafeMutableBufferPointer { bu in
                    itemBias.withUnsafeMutableBufferPointer { bi in
                        SGDBlockKernel.sweep(block, rows: SGDBlockKernel.Rows(
                            userRows: pu.baseAddress!, itemRows: qi.baseAddress!, userBias: bu.baseAddress!, itemBias: bi.baseAddress!,
                            userBase: Int(block.userRange.lowerBound), itemBase: Int(block.itemRange.lowerBound), stride: stride),
                            mean: mean, steps: steps)
                    }
                }
            }
        }
        let kernel = (MonotonicClock.nanoseconds() - started) / 1000
        ResidentRows.shared.keep(job: input.job, row: row, factors: userRows, bias: userBias)
        let output = ["loss": ExactFloat.text(loss), "kernel_us": String(kernel)]
        if keep {
            ResidentRows.items.keep(job: input.job, row: column, factors: itemRows, bias: itemBias)
            return TaskOutput(output: output, payload: [])
        }
        return TaskOutput(output: output, payload: [FloatFrames.frame(itemRows[...]), FloatFrames.frame(itemBias[...])])
    }

    /// `svd-collect`: the user rows of one grid row this worker holds for a job (a checkpoint copy;
    /// the worker keeps them).
    static let svdCollect: Runner = { input in
        guard let row = input.parameters["row"].flatMap(Int.init), let kept = ResidentRows.shared.peek(job: input.job, row: row) else {
            throw TaskError("svd-collect: this worker holds no user rows of that row for job \(input.job)")
        }
        return TaskOutput(output: [:], payload: [FloatFrames.frame(kept.factors[...]), FloatFrames.frame(kept.bias[...])])
    }
}
