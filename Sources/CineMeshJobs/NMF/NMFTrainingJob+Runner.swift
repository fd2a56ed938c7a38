import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension NMFTrainingJob {
    /// `nmf-block`: one block's NMF sums. Payload [user rows of the block's grid row, item rows
    /// of its grid column], each row `stride` floats; returns [user numerators, user
    /// denominators, item numerators, item denominators] as doubles and `squared_error`.
    static let runner: TaskRunners.Runner = { input in
        let task = try NMFBlockTask(input)
        let row = task.row, column = task.column, stride = task.stride
        guard FactorMatrix.isValidStride(stride), (1 ... stride).contains(task.factors) else {
            throw TaskError("nmf-block: \(task.factors) factors in rows of stride \(stride)")
        }
        guard input.payload.count == 2, !input.files.isEmpty else { throw TaskError("nmf-block: no shard, or not two factor frames") }
        let blocks = try task.split.blocks(input.files)
        guard blocks.count == 1, let block = blocks.first, block.row == row, block.column == column else {
            throw TaskError("nmf-block: the shard is not that of block (\(row), \(column))")
        }
        guard let users = FloatFrames.floats(input.payload[0], count: block.userRange.count * stride),
              let items = FloatFrames.floats(input.payload[1], count: block.itemRange.count * stride) else {
            throw TaskError("nmf-block: factor frames of the wrong size")
        }
        var sums = NMFBlockSums(stride: stride, userRange: block.userRange, itemRange: block.itemRange)
        users.withUnsafeBufferPointer { pu in
            items.withUnsafeBufferPointer { qi in
                // An empty range has no storage; its pointer is then never read.
                let none = UnsafePointer<Float>(bitPattern: MemoryLayout<Float>.alignment)!
                sums.accumulate(block, userRows: pu.baseAddress ?? none, itemRows: qi.baseAddress ?? none)
            }
        }
        return TaskOutput(output: NMFBlockResult(squaredError: sums.squaredError).fields,
                          payload: [FloatFrames.frame(sums.userNumerator[...]), FloatFrames.frame(sums.userDenominator[...]),
                                    FloatFrames.frame(sums.itemNumerator[...]), FloatFrames.frame(sums.itemDenominator[...])])
    }
}
