import CineMeshData
import CineMeshModel

/// Trains a neighbourhood model in this process: the baselines when the rule or the similarity
/// needs them, every x's similarity row and kept neighbours (`SimilarityRows`, over both cores),
/// and each x's mean.
///
/// The cluster computes the same rows on workers (`knn-rows` tasks, a grid line's rows each) and
/// the coordinator gathers them; since each pair's sums are added in the same y order wherever its
/// row is computed, the model is the same for any number of workers.
public struct KNNTrainer: Sendable {
    public var parameters: KNNParameters

    public init(parameters: KNNParameters) {
        self.parameters = parameters
    }

    public func fit(_ train: [RatingBlock], users: Int, items: Int) -> KNNModel {
        let p = parameters
        let (xCount, yCount) = p.userBased ? (users, items) : (items, users)
        let baselines = p.needsBaselines ? p.baseline.fit(train, users: users, items: items) : nil
        let residuals = p.similarity.usesBaseline ? baselines.map {
            CoRatingInput.Baselines(mean: $0.globalMean, x: p.userBased ? $0.userBias : $0.itemBias, y: p.userBased ? $0.itemBias : $0.userBias)
        } : nil
        let input = CoRatingInput(train, ys: yCount, userBased: p.userBased, baselines: residuals)
        let lists = SimilarityRows(input, count: xCount, parameters: p).allLists()
        return Self.model(p, train: train, users: users, items: items, baselines: baselines, neighbors: lists)
    }

    /// The model around computed neighbour lists: the training ratings both ways, the means and
    /// the baselines its rule needs.
    public static func model(_ p: KNNParameters, train: [RatingBlock], users: Int, items: Int, baselines: BiasedFactorModel?,
                             neighbors: NeighborLists) -> KNNModel {
        let (xCount, yCount) = p.userBased ? (users, items) : (items, users)
        let byY = RatingsByRow(train, rows: yCount, byUser: !p.userBased)
        let byX = RatingsByRow(train, rows: xCount, byUser: p.userBased)
        var total = 0.0
        for b in train { for r in b.ratings { total += Double(r) } }
        let count = byX.others.count
        let globalMean = count > 0 ? total / Double(count) : 0
        let means = (0 ..< xCount).map { x -> Double in
            let r = byX.offsets[x] ..< byX.offsets[x + 1]
            return r.isEmpty ? globalMean : byX.ratings[r].reduce(0.0) { $0 + Double($1) } / Double(r.count)
        }
        return KNNModel(parameters: p, globalMean: globalMean, baselineMean: baselines?.globalMean ?? 0,
                        userBias: baselines?.userBias ?? [Float](repeating: 0, count: users),
                        itemBias: baselines?.itemBias ?? [Float](repeating: 0, count: items),
                        means: means, neighbors: neighbors, byY: byY, byX: byX)
    }
}
