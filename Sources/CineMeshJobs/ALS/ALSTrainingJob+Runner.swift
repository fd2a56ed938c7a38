import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension ALSTrainingJob {
    /// `als-rows`: solves the rows of one grid row (users) or column (items) against the fixed side
    /// the task brought. Explicit ALS: payload [fixed rows, fixed biases], returns [rows, biases].
    /// Implicit ALS: payload [fixed rows, Gram matrix, current rows], returns [rows].
    static let runner: TaskRunners.Runner = { input in
        let task = try ALSRowsTask(input)
        let index = task.index, stride = task.stride, factors = task.factors, reg = task.reg, users = task.side.isUsers
        guard FactorMatrix.isValidStride(stride), (1 ... stride).contains(factors) else {
            throw TaskError("als-rows: \(factors) factors in rows of stride \(stride)")
        }
        guard !input.files.isEmpty else { throw TaskError("als-rows: no shards") }
        var blocks = try task.split.blocks(input.files)
        guard let first = blocks.first, blocks.allSatisfy({ users ? $0.row == index : $0.column == index }) else {
            throw TaskError("als-rows: the shards are not those of \(users ? "row" : "column") \(index)")
        }
        let range = users ? first.userRange : first.itemRange
        let frames = input.payload
        switch task.solver {
        case let .implicit(alpha, threshold, steps):
            var q = ImplicitALSParameters()
            guard frames.count == 3 else { throw TaskError("als-rows: implicit ALS needs 3 frames, not \(frames.count)") }
            q.factors = factors
            q.regularization = reg
            q.alpha = alpha
            q.positiveThreshold = threshold
            q.cgSteps = steps
            blocks = ImplicitALSTrainer(parameters: q).positives(blocks)
            let fixedCount = frames[0].count / 4
            guard fixedCount % stride == 0, let fixed = FloatFrames.floats(frames[0], count: fixedCount),
                  let gram = FloatFrames.floats(frames[1], count: factors * stride),
                  var rows = FloatFrames.floats(frames[2], count: range.count * stride) else {
                throw TaskError("als-rows: frames of the wrong size")
            }
            ImplicitALSTrainer.update(&rows, from: RatingsByRow(blocks, range: range, byUser: users), fixed: fixed, gram: gram,
                                      factors: factors, stride: stride, parameters: q)
            return TaskOutput(output: [:], payload: [FloatFrames.frame(rows[...])])
        case let .explicit(biasReg, biased, mean):
            guard frames.count == 2 else { throw TaskError("als-rows: ALS needs 2 frames, not \(frames.count)") }
            return try explicit(task, blocks: blocks, range: range, frames: frames, biasReg: biasReg, biased: biased, mean: mean)
        }
    }

    /// The explicit-ALS half of `runner`: payload [fixed rows, fixed biases], returns [rows, biases].
    private static func explicit(_ task: ALSRowsTask, blocks: [RatingBlock], range: Range<UInt32>, frames: [Frame], biasReg: Double, biased: Bool,
                                 mean: Float) throws -> TaskOutput {
        let stride = task.stride
        var q = ALSParameters()
        q.factors = task.factors
        q.regularization = task.reg
        q.biasRegularization = biasReg
        q.biased = biased
        let fixedCount = frames[1].count / 4
        guard let fixed = FloatFrames.floats(frames[0], count: fixedCount * stride), let fixedBias = FloatFrames.floats(frames[1], count: fixedCount) else {
            throw TaskError("als-rows: frames of the wrong size")
        }
        var rows = [Float](repeating: 0, count: range.count * stride)
        var bias = [Float](repeating: 0, count: range.count)
        do {
            try ALSTrainer.solve(&rows, &bias, from: RatingsByRow(blocks, range: range, byUser: task.side.isUsers), fixed: fixed, fixedBias: fixedBias,
                                 mean: mean, stride: stride, parameters: q, side: task.side.rawValue, firstRow: Int(range.lowerBound))
        } catch {
            throw TaskError("\(error)")
        }
        return TaskOutput(output: [:], payload: [FloatFrames.frame(rows[...]), FloatFrames.frame(bias[...])])
    }
}
