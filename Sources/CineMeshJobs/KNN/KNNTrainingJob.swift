import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The `train` job for `item-knn` and `user-knn`: one stage of similarity tiles. For an
/// item-based model the x's are items and the grid's columns cut them into ranges; a task takes a
/// pair of columns (c1 <= c2) with their shards of every grid row, in row order, sums each item
/// pair's co-ratings user by user (`CoRatingSums`) and returns the tile's neighbour lists, cut to
/// the kept count. A user-based model does the same over pairs of grid rows.
///
/// Each pair's sums are added in the same user (item) order as in one process, and the kept lists
/// are a function of the candidates alone (`NeighborLists.merged`), so the model is the same for
/// any number of workers and any order the tiles come back in: the job's result records the lists'
/// checksum, which `cinemesh train` prints in one process too.
///
/// The baselines (pearson_baseline, the baseline rule) are fitted on the coordinator before the
/// stage, by the same `BaselineTrainer` as in one process: 2 x 10 passes over the ratings, small
/// next to the pair sums.
public final class KNNTrainingJob: JobDriver {
    static let taskKind = "knn-tile"

    private let spec: TrainSpec
    private let parameters: KNNParameters
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private let baselines: BiasedFactorModel?
    private var tiles: [(Int, Int)] = []
    private var lists: NeighborLists
    private var planned = false
    private var done = 0
    private let started = MonotonicClock.milliseconds()

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = spec
        parameters = spec.knn
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        let m = dataset.manifest
        baselines = parameters.needsBaselines ? parameters.baseline.fit(train, users: m.users, items: m.items) : nil
        lists = NeighborLists(empty: parameters.userBased ? m.users : m.items)
    }

    /// Grid lines cutting the x's: columns (item-based) or rows (user-based).
    static func lines(_ p: KNNParameters, _ grid: Grid) -> Int { p.userBased ? grid.rows : grid.columns }

    /// The x range of grid line `index`.
    static func range(_ p: KNNParameters, _ grid: Grid, _ index: Int) -> Range<Int> {
        let r = GridLine(users: p.userBased, index: index).range(grid)
        return Int(r.lowerBound) ..< Int(r.upperBound)
    }

    public func nextStage() throws -> StagePlan? {
        guard !planned else { return nil }
        planned = true
        let grid = dataset.grid, m = dataset.manifest, p = parameters
        let n = Self.lines(p, grid)
        tiles = (0 ..< n).flatMap { a in (a ..< n).map { (a, $0) } }
        var payload: [Frame] = []
        var common = ["x_count": String(lists.count), "y_count": String(p.userBased ? m.items : m.users), "split": spec.split.description, "split_seed": String(spec.splitSeed), "user_based": String(p.userBased),
                      "sim": p.similarity.rawValue, "min_support": String(p.minSupport), "shrinkage": ExactFloat.text(p.shrinkage),
                      "neighbors": String(p.neighbors)]
        if p.similarity.usesBaseline, let b = baselines {
            common["mean"] = ExactFloat.text(b.globalMean)
            payload = [FloatFrames.frame(b.userBias[...]), FloatFrames.frame(b.itemBias[...])]
        }
        let planned = tiles.map { a, b -> TaskPlan in
            let own = GridLine(users: p.userBased, index: a).blocks(grid) + (a == b ? [] : GridLine(users: p.userBased, index: b).blocks(grid))
            // Item pairs read a column pair row by row; user pairs read row a, then row b.
            let ordered = p.userBased ? own : own.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
            let (files, splitParameters) = spec.taskFiles(own: ordered, m)
            var parameters = common.merging(splitParameters) { _, new in new }
            parameters["a"] = String(a)
            parameters["b"] = String(b)
            return TaskPlan(kind: Self.taskKind, parameters: parameters, files: files, payload: payload)
        }
        return StagePlan(name: "similarities (\(tiles.count) tiles)", tasks: planned)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        guard tiles.indices.contains(index) else { throw JobError("train: a knn tile result for no running tile") }
        let (a, b) = tiles[index], grid = dataset.grid
        let ranges = a == b ? [Self.range(parameters, grid, a)] : [Self.range(parameters, grid, a), Self.range(parameters, grid, b)]
        guard payload.count == 3, payload[0].count % 4 == 0, payload[1].count % 4 == 0, payload[2].count % 8 == 0,
              let counts = FloatFrames.values(payload[0], count: payload[0].count / 4, as: Int32.self),
              let neighbors = FloatFrames.values(payload[1], count: payload[1].count / 4, as: Int32.self),
              let similarities = FloatFrames.values(payload[2], count: payload[2].count / 8, as: Double.self),
              let tile = NeighborLists(count: lists.count, ranges: ranges, counts: counts, neighbors: neighbors, similarities: similarities) else {
            throw JobError("train: the neighbour lists of knn tile (\(a), \(b)) came back malformed")
        }
        lists = lists.merged(with: tile, keep: parameters.neighbors)
        done += 1
    }

    public func finish() throws -> JobOutcome {
        let m = dataset.manifest
        let model = KNNTrainer.model(parameters, train: train, users: m.users, items: m.items, baselines: baselines, neighbors: lists)
        var metrics: [String: Double] = [:]
        if evaluation.count > 0 {
            let errors = evaluation.errors(of: model, scale: m.ratingScale)
            metrics = ["rmse": errors.rmse, "mae": errors.mae]
        }
        let seconds = Double(MonotonicClock.milliseconds() - started) / 1000
        let result = NeighborhoodResult(algorithm: spec.algorithm.rawValue, metrics: metrics, trainRatings: train.reduce(0) { $0 + $1.count },
                                        testRatings: evaluation.count, tiles: tiles.count, neighbors: lists.entries,
                                        neighborsChecksum: lists.checksum, seconds: seconds)
        return JobOutcome(result: String(decoding: try JSON.encode(result), as: UTF8.self), summary: result.summary)
    }

    public var metrics: [String: Double] { ["tiles_done": Double(done), "tiles": Double(tiles.count)] }
}

/// The result of an `item-knn` or `user-knn` train job. Neighbourhood models are not yet kept in
/// the model store (the model file holds factor models), so it holds the figures and the neighbour
/// lists' checksum only.
public struct NeighborhoodResult: Codable, Sendable, Equatable {
    public var algorithm: String
    /// rmse and mae on the held-out ratings.
    public var metrics: [String: Double]
    public var trainRatings: Int
    public var testRatings: Int
    public var tiles: Int
    /// Neighbour entries kept over all lists.
    public var neighbors: Int
    /// `NeighborLists.checksum`: the same for every worker count, and as in one process.
    public var neighborsChecksum: String
    public var seconds: Double

    public var summary: String {
        var lines = ["\(algorithm): \(tiles) similarity tiles, \(neighbors) neighbours kept (checksum \(neighborsChecksum)) in \(String(format: "%.3f", seconds)) s"]
        if let rmse = metrics["rmse"], let mae = metrics["mae"] {
            lines.append("\(algorithm): " + String(format: "test RMSE %.4f, MAE %.4f on %d ratings (trained on %d)", rmse, mae, testRatings, trainRatings))
        }
        lines.append("no model published: neighbourhood models are not kept in the model store yet")
        return lines.joined(separator: "\n")
    }
}
