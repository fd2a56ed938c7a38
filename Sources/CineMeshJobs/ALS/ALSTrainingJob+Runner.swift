import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension ALSTrainingJob {
    /// `als-rows`: solves the rows of one grid row (users) or column (items) against the fixed side
    /// the task brought. Explicit ALS: payload [fixed rows, fixed biases], returns [rows, biases].
    /// Implicit ALS: payload [fixed rows, Gram matrix, current rows], returns [rows].
    static let runner: TaskRunners.Runner = { input in
        let p = input.parameters
        guard let side = p["side"], side == "user" || side == "item", let index = p["index"].flatMap(Int.init),
              let algo = p["algo"], let stride = p["stride"].flatMap(Int.init), let factors = p["factors"].flatMap(Int.init),
              FactorMatrix.isValidStride(stride), (1 ... stride).contains(factors),
              let splitText = p["split"], let splitSeed = p["split_seed"].flatMap(UInt64.init), let reg = ExactFloat.double(p["reg"]),
              !input.files.isEmpty else {
            throw TaskError("als-rows: missing or bad parameters")
        }
        let split: SplitSpec
        do { split = try SplitSpec(parsing: splitText) } catch { throw TaskError("als-rows: \(error)") }
        let users = side == "user"
        var blocks = try TrainingBlocks.shared.blocks(input.files, own: p["own_files"].flatMap(Int.init) ?? input.files.count, split: split, seed: splitSeed)
        guard let first = blocks.first, blocks.allSatisfy({ users ? $0.row == index : $0.column == index }) else {
            throw TaskError("als-rows: the shards are not those of \(side == "user" ? "row" : "column") \(index)")
        }
        let range = users ? first.userRange : first.itemRange
        let frames = input.payload
        if algo == "als-implicit" {
            var q = ImplicitALSParameters()
            guard let alpha = ExactFloat.double(p["alpha"]), let threshold = ExactFloat.float(p["positive_threshold"]),
                  let steps = p["cg_steps"].flatMap(Int.init), frames.count == 3 else {
                throw TaskError("als-rows: missing implicit-ALS parameters or frames")
            }
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
        }
        guard algo == "als", let biasReg = ExactFloat.double(p["reg_bias"]), let biased = p["biased"].flatMap(Bool.init),
              let mean = ExactFloat.float(p["mean"]), frames.count == 2 else {
            throw TaskError("als-rows: missing ALS parameters or frames")
        }
        var q = ALSParameters()
        q.factors = factors
        q.regularization = reg
        q.biasRegularization = biasReg
        q.biased = biased
        let fixedCount = frames[1].count / 4
        guard let fixed = FloatFrames.floats(frames[0], count: fixedCount * stride), let fixedBias = FloatFrames.floats(frames[1], count: fixedCount) else {
            throw TaskError("als-rows: frames of the wrong size")
        }
        var rows = [Float](repeating: 0, count: range.count * stride)
        var bias = [Float](repeating: 0, count: range.count)
        do {
            try ALSTrainer.solve(&rows, &bias, from: RatingsByRow(blocks, range: range, byUser: users), fixed: fixed, fixedBias: fixedBias,
                                 mean: mean, stride: stride, parameters: q, side: side, firstRow: Int(range.lowerBound))
        } catch {
            throw TaskError("\(error)")
        }
        return TaskOutput(output: [:], payload: [FloatFrames.frame(rows[...]), FloatFrames.frame(bias[...])])
    }
}
