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

    /// Sums one tile may take unless told otherwise: 256 MiB.
    public static let defaultTileBytes = 256 << 20

    public init(parameters: KNNParameters, tileBytes: Int = defaultTileBytes) {
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
        let lists = Self.neighbors(input, a: 0 ..< xCount, b: 0 ..< xCount, count: xCount, parameters: p, tileBytes: tileBytes)
        return Self.model(p, train: train, users: users, items: items, baselines: baselines, neighbors: lists)
    }

    /// The kept neighbour lists (over `count` x's) of every pair (x in `a`, x' in `b`), or of
    /// every pair within `a` when `b == a`: the ranges are cut into square tiles of at most
    /// `tileBytes` of sums, each summed over all of `input` and merged. One process computes all
    /// pairs so; a `knn-tile` task the pairs of two grid lines.
    public static func neighbors(_ input: CoRatingInput, a: Range<Int>, b: Range<Int>, count: Int, parameters p: KNNParameters,
                                 tileBytes: Int) -> NeighborLists {
        var lists = NeighborLists(empty: count)
        for (ta, tb) in tiles(a, b, edge: tileEdge(bytes: tileBytes, similarity: p.similarity)) {
            var sums = CoRatingSums(a: ta, b: tb, similarity: p.similarity)
            sums.add(input)
            let tile = sums.neighbors(count: count, parameters: p, keep: p.neighbors)
            lists = lists.entries == 0 ? tile : lists.merged(with: tile, keep: p.neighbors)
        }
        return lists
    }

    /// Tiles of at most `edge` x's a side covering every pair of `a` x `b` once; within a single
    /// range (`a == b`), each pair once, a tile at or before its partner.
    public static func tiles(_ a: Range<Int>, _ b: Range<Int>, edge: Int) -> [(Range<Int>, Range<Int>)] {
        func cuts(_ r: Range<Int>) -> [Range<Int>] {
            stride(from: r.lowerBound, to: r.upperBound, by: max(1, edge)).map { $0 ..< min(r.upperBound, $0 + max(1, edge)) }
        }
        let ca = cuts(a)
        guard a != b else { return ca.indices.flatMap { i in ca[i...].map { (ca[i], $0) } } }
        let cb = cuts(b)
        return ca.flatMap { x in cb.map { (x, $0) } }
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
