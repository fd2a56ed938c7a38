import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

extension KNNTrainingJob {
    /// `knn-tile`: the neighbour lists of one similarity tile, grid lines `a` and `b` (columns for
    /// item pairs, rows for user pairs). Its own files are the two lines' shards (item pairs: row
    /// by row; user pairs: line a, then line b). Payload [user biases, item biases] with `mean`
    /// for pearson_baseline, else none. Returns [counts per x of line a then line b (Int32),
    /// neighbours (Int32), similarities (Double)].
    static let runner: TaskRunners.Runner = { input in
        let p = input.parameters
        guard let a = p["a"].flatMap(Int.init), let b = p["b"].flatMap(Int.init), a >= 0, b >= a,
              let xCount = p["x_count"].flatMap(Int.init), let yCount = p["y_count"].flatMap(Int.init), xCount >= 0, yCount >= 0,
              let userBased = p["user_based"].flatMap(Bool.init), let similarity = p["sim"].flatMap(NeighborSimilarity.init(rawValue:)),
              let minSupport = p["min_support"].flatMap(Int.init), let shrinkage = ExactFloat.double(p["shrinkage"]),
              let keep = p["neighbors"].flatMap(Int.init), keep >= 0,
              let splitText = p["split"], let splitSeed = p["split_seed"].flatMap(UInt64.init), !input.files.isEmpty else {
            throw TaskError("knn-tile: missing or bad parameters")
        }
        let split: SplitSpec
        do { split = try SplitSpec(parsing: splitText) } catch { throw TaskError("knn-tile: \(error)") }
        let blocks = try TrainingBlocks.shared.blocks(input.files, own: p["own_files"].flatMap(Int.init) ?? input.files.count, split: split, seed: splitSeed)
        func range(_ line: Int) -> Range<Int>? {
            let mine = blocks.filter { (userBased ? $0.row : $0.column) == line }
            guard let first = mine.first else { return nil }
            let r = userBased ? first.userRange : first.itemRange
            return Int(r.lowerBound) ..< Int(r.upperBound)
        }
        guard let ra = range(a), let rb = range(b), ra.upperBound <= xCount, rb.upperBound <= xCount,
              blocks.allSatisfy({ [a, b].contains(userBased ? $0.row : $0.column) && Int(userBased ? $0.itemRange.upperBound : $0.userRange.upperBound) <= yCount }) else {
            throw TaskError("knn-tile: the shards are not those of lines \(a) and \(b)")
        }
        var baselines: CoRatingInput.Baselines?
        if similarity.usesBaseline {
            let users = userBased ? xCount : yCount, items = userBased ? yCount : xCount
            guard input.payload.count == 2, let mean = ExactFloat.float(p["mean"]),
                  let bu = FloatFrames.floats(input.payload[0], count: users), let bi = FloatFrames.floats(input.payload[1], count: items) else {
                throw TaskError("knn-tile: pearson_baseline needs the mean and both biases")
            }
            baselines = CoRatingInput.Baselines(mean: mean, x: userBased ? bu : bi, y: userBased ? bi : bu)
        }
        var parameters = KNNParameters()
        parameters.similarity = similarity
        parameters.minSupport = minSupport
        parameters.shrinkage = shrinkage
        parameters.neighbors = keep
        let lists = KNNTrainer.neighbors(CoRatingInput(blocks, ys: yCount, userBased: userBased, baselines: baselines), a: ra, b: rb,
                                         count: xCount, parameters: parameters, tileBytes: KNNTrainer.defaultTileBytes)
        let out = lists.restricted(to: a == b ? [ra] : [ra, rb])
        return TaskOutput(output: [:], payload: [FloatFrames.frame(out.counts[...]), FloatFrames.frame(out.neighbors[...]),
                                                 FloatFrames.frame(out.similarities[...])])
    }
}
