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

    /// The training part of the shard at `path` under `split` and `seed`.
    func block(path: String, split: SplitSpec, seed: UInt64) throws -> RatingBlock {
        let key = "\(path)|\(split)|\(seed)"
        if let b = lock.withLock({ blocks[key] }) { return b }
        let whole = try ShardFile.read(path, includeTimestamps: false)
        let train = try split.apply([whole], users: Int(whole.userRange.upperBound), seed: seed).train[0]
        lock.withLock {
            let size = train.count * 12
            if bytes + size > capacity {
                blocks.removeAll()
                bytes = 0
            }
            blocks[key] = train
            bytes += size
        }
        return train
    }
}

extension TaskRunners {
    /// `svd-block`: one SGD sweep over a block's training ratings, on the factor rows the task
    /// brought; returns the updated rows and the sweep's squared-error sum.
    static let svdBlock: Runner = { input in
        let p = input.parameters
        guard let path = input.files.first, let row = p["row"].flatMap(Int.init), let column = p["column"].flatMap(Int.init),
              let stride = p["stride"].flatMap(Int.init), let splitText = p["split"], let splitSeed = p["split_seed"].flatMap(UInt64.init),
              let mean = ExactFloat.float(p["mean"]), let lrBias = ExactFloat.float(p["lr_bias"]),
              let lrFactors = ExactFloat.float(p["lr_factors"]), let regBias = ExactFloat.float(p["reg_bias"]),
              let regFactors = ExactFloat.float(p["reg_factors"]), let biased = p["biased"].flatMap(Bool.init) else {
            throw TaskError("svd-block: missing or bad parameters")
        }
        let split: SplitSpec
        do { split = try SplitSpec(parsing: splitText) } catch { throw TaskError("svd-block: \(error)") }
        let block = try TrainingBlocks.shared.block(path: path, split: split, seed: splitSeed)
        guard block.row == row, block.column == column else {
            throw TaskError("svd-block: the shard holds block (\(block.row), \(block.column)), not (\(row), \(column))")
        }
        let users = block.userRange.count, items = block.itemRange.count
        guard input.payload.count == 4,
              var userRows = FloatFrames.floats(input.payload[0], count: users * stride),
              var userBias = FloatFrames.floats(input.payload[1], count: users),
              var itemRows = FloatFrames.floats(input.payload[2], count: items * stride),
              var itemBias = FloatFrames.floats(input.payload[3], count: items) else {
            throw TaskError("svd-block: the factor frames do not fit block (\(row), \(column))")
        }
        var steps = SGDSteps(SVDParameters(), epoch: 0)
        steps.lrBias = lrBias
        steps.lrFactors = lrFactors
        steps.regBias = regBias
        steps.regFactors = regFactors
        steps.biased = biased
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
        return TaskOutput(output: ["loss": ExactFloat.text(loss)],
                          payload: [FloatFrames.frame(userRows[...]), FloatFrames.frame(userBias[...]),
                                    FloatFrames.frame(itemRows[...]), FloatFrames.frame(itemBias[...])])
    }
}
