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
        let task = try KNNRowsTask(input)
        let line = task.line, xCount = task.xCount, yCount = task.yCount, userBased = task.userBased, similarity = task.similarity
        guard line >= 0, xCount >= 0, yCount >= 0, task.neighbors >= 0 else { throw TaskError("knn-rows: a negative line, count or neighbours") }
        guard !input.files.isEmpty else { throw TaskError("knn-rows: no shards") }
        let blocks = try task.split.blocks(input.files)
        guard let first = blocks.first(where: { (userBased ? $0.row : $0.column) == line }),
              blocks.allSatisfy({ Int($0.userRange.upperBound) <= (userBased ? xCount : yCount) && Int($0.itemRange.upperBound) <= (userBased ? yCount : xCount) }) else {
            throw TaskError("knn-rows: the shards do not hold grid line \(line) of a grid of \(xCount) x's")
        }
        let range = userBased ? first.userRange : first.itemRange
        var baselines: CoRatingInput.Baselines?
        if similarity.usesBaseline {
            let users = userBased ? xCount : yCount, items = userBased ? yCount : xCount
            guard input.payload.count == 2, let mean = task.mean,
                  let bu = FloatFrames.floats(input.payload[0], count: users), let bi = FloatFrames.floats(input.payload[1], count: items) else {
                throw TaskError("knn-rows: pearson_baseline needs the mean and both biases")
            }
            baselines = CoRatingInput.Baselines(mean: mean, x: userBased ? bu : bi, y: userBased ? bi : bu)
        }
        var parameters = KNNParameters()
        parameters.similarity = similarity
        parameters.minSupport = task.minSupport
        parameters.shrinkage = task.shrinkage
        parameters.neighbors = task.neighbors
        let rows = Int(range.lowerBound) ..< Int(range.upperBound)
        let lists = SimilarityRows(CoRatingInput(blocks, ys: yCount, userBased: userBased, baselines: baselines), count: xCount, parameters: parameters)
            .lists(rows: rows)
        let out = lists.restricted(to: [rows])
        return TaskOutput(output: [:], payload: [FloatFrames.frame(out.counts[...]), FloatFrames.frame(out.neighbors[...]),
                                                 FloatFrames.frame(out.similarities[...])])
    }
}
