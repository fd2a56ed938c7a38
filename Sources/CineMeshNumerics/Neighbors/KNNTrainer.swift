import CineMeshData
import CineMeshModel

/// Trains a neighbourhood model in this process: the baselines when the rule or the similarity
/// needs them, the similarity of every pair of x's in tiles of at most `tileBytes` of sums
/// (`CoRatingSums`), each tile's neighbour lists merged into the kept neighbours of each x
/// (`NeighborLists.merged`), and each x's mean.
///
/// The cluster computes the same tiles on workers (`knn-tile` tasks) and the coordinator keeps
/// the neighbours; since each pair's sums are added in the same y order and the kept lists are a
/// function of the candidate set alone, the model is the same for any tiling and worker count.
public struct KNNTrainer: Sendable {
    public var parameters: KNNParameters
    /// The most memory one tile of sums may take.
    public var tileBytes: Int

    public init(parameters: KNNParameters, tileBytes: Int = 256 << 20) {
        self.parameters = parameters
        self.tileBytes = tileBytes
    }

    public func fit(_ train: [RatingBlock], users: Int, items: Int) -> KNNModel {
        let p = parameters
        let (xCount, yCount) = p.userBased ? (users, items) : (items, users)
        let baselines = p.needsBaselines ? p.baseline.fit(train, users: users, items: items) : nil
        let residuals = p.similarity.usesBaseline ? baselines.map {
            CoRatingInput.Baselines(mean: $0.globalMean, x: p.userBased ? $0.userBias : $0.itemBias, y: p.userBased ? $0.itemBias : $0.userBias)
        } : nil
        let input = CoRatingInput(train, ys: yCount, userBased: p.userBased, baselines: residuals)
        var lists = NeighborLists(empty: xCount)
        for (a, b) in Self.tiles(xCount, edge: Self.tileEdge(bytes: tileBytes, similarity: p.similarity)) {
            var sums = CoRatingSums(a: a, b: b, similarity: p.similarity)
            sums.add(input)
            let tile = sums.neighbors(count: xCount, parameters: p, keep: p.neighbors)
            lists = lists.entries == 0 ? tile : lists.merged(with: tile, keep: p.neighbors)
        }
        return Self.model(p, train: train, users: users, items: items, baselines: baselines, neighbors: lists)
    }

    /// The x ranges of a tile of `edge` x's a side, covering every pair once: (a, b) with a's
    /// tile at or before b's.
    public static func tiles(_ count: Int, edge: Int) -> [(Range<Int>, Range<Int>)] {
        let cuts = stride(from: 0, to: count, by: max(1, edge)).map { $0 ..< min(count, $0 + max(1, edge)) }
        return cuts.indices.flatMap { i in cuts[i...].map { (cuts[i], $0) } }
    }

    /// The side of the largest square tile whose sums fit in `bytes`.
    public static func tileEdge(bytes: Int, similarity: NeighborSimilarity) -> Int {
        max(1, Int((Double(bytes) / Double(8 * CoRatingSums.width(similarity))).squareRoot()))
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
