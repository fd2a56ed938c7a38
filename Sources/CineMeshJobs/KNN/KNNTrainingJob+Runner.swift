import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension KNNTrainingJob {
    /// `knn-rows`: the similarity rows of one grid line (`line`: a column for item-based, a row
    /// for user-based) against every x, from every shard of the grid (in block order). Payload
    /// [user biases, item biases] with `mean` for pearson_baseline, else none. Returns [each x's
    /// count of kept neighbours (Int32), the neighbours (Int32), their similarities (Double)].
    static let runner: TaskRunners.Runner = { input in
        let p = input.parameters
        guard let line = p["line"].flatMap(Int.init), line >= 0,
              let xCount = p["x_count"].flatMap(Int.init), let yCount = p["y_count"].flatMap(Int.init), xCount >= 0, yCount >= 0,
              let userBased = p["user_based"].flatMap(Bool.init), let similarity = p["sim"].flatMap(NeighborSimilarity.init(rawValue:)),
              let minSupport = p["min_support"].flatMap(Int.init), let shrinkage = ExactFloat.double(p["shrinkage"]),
              let keep = p["neighbors"].flatMap(Int.init), keep >= 0,
              let splitText = p["split"], let splitSeed = p["split_seed"].flatMap(UInt64.init), !input.files.isEmpty else {
            throw TaskError("knn-rows: missing or bad parameters")
        }
        let split: SplitSpec
        do { split = try SplitSpec(parsing: splitText) } catch { throw TaskError("knn-rows: \(error)") }
        let blocks = try TrainingBlocks.shared.blocks(input.files, own: p["own_files"].flatMap(Int.init) ?? input.files.count, split: split, seed: splitSeed)
        guard let first = blocks.first(where: { (userBased ? $0.row : $0.column) == line }),
              blocks.allSatisfy({ Int($0.userRange.upperBound) <= (userBased ? xCount : yCount) && Int($0.itemRange.upperBound) <= (userBased ? yCount : xCount) }) else {
            throw TaskError("knn-rows: the shards do not hold grid line \(line) of a grid of \(xCount) x's")
        }
        let range = userBased ? first.userRange : first.itemRange
        var baselines: CoRatingInput.Baselines?
        if similarity.usesBaseline {
            let users = userBased ? xCount : yCount, items = userBased ? yCount : xCount
            guard input.payload.count == 2, let mean = ExactFloat.float(p["mean"]),
                  let bu = FloatFrames.floats(input.payload[0], count: users), let bi = FloatFrames.floats(input.payload[1], count: items) else {
                throw TaskError("knn-rows: pearson_baseline needs the mean and both biases")
            }
            baselines = CoRatingInput.Baselines(mean: mean, x: userBased ? bu : bi, y: userBased ? bi : bu)
        }
        var parameters = KNNParameters()
        parameters.similarity = similarity
        parameters.minSupport = minSupport
        parameters.shrinkage = shrinkage
        parameters.neighbors = keep
        let rows = Int(range.lowerBound) ..< Int(range.upperBound)
        let lists = SimilarityRows(CoRatingInput(blocks, ys: yCount, userBased: userBased, baselines: baselines), count: xCount, parameters: parameters)
            .lists(rows: rows)
        let out = lists.restricted(to: [rows])
        return TaskOutput(output: [:], payload: [FloatFrames.frame(out.counts[...]), FloatFrames.frame(out.neighbors[...]),
                                                 FloatFrames.frame(out.similarities[...])])
    }
}
