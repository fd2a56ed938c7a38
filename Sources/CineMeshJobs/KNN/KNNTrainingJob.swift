import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The `train` job for `item-knn` and `user-knn`: one stage of similarity rows. For an
/// item-based model the x's are items and the grid's columns cut them into ranges; a task takes
/// one column and computes its items' similarity rows against every item (`SimilarityRows`), from
/// every shard, and returns their kept neighbour lists. A user-based model does the same by grid
/// rows. A pair's sums are added user by user (item by item) in the same order as in one process,
/// so the coordinator, which only gathers the lines' lists, has the one-process lists for any
/// number of workers: the job's result records their checksum, which `cinemesh train` prints in
/// one process too.
///
/// Why rows rather than per-block partial sums: the partial sums of every item pair a block
/// touches are an items-by-items matrix of 4 doubles a pair (10 GB for a 17,770-item catalog),
/// too much to ship per block; a row needs only one accumulator over the items and gives its top
/// neighbours at once, so what crosses the network is the kept lists alone.
///
/// The baselines (pearson_baseline, the baseline rule) are fitted on the coordinator before the
/// stage, by the same `BaselineTrainer` as in one process: 2 x 10 passes over the ratings, small
/// next to the rows.
public final class KNNTrainingJob: JobDriver {
    private let spec: TrainSpec
    private let parameters: KNNParameters
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private let baselines: BiasedFactorModel?
    private var lines = 0
    /// x's in all.
    private let count: Int
    /// Each grid line's rows, as they come back (nil: not yet).
    private var lineLists: [NeighborLists?] = []
    private var planned = false
    private var done = 0
    private let started = MonotonicClock.milliseconds()

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        if let refusal = spec.knn.refusal(count: spec.knn.userBased ? dataset.manifest.users : dataset.manifest.items) {
            throw JobError("train: " + refusal)
        }
        self.spec = spec
        parameters = spec.knn
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        let m = dataset.manifest
        baselines = parameters.needsBaselines ? parameters.baseline.fit(train, users: m.users, items: m.items) : nil
        count = parameters.userBased ? m.users : m.items
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
        lines = Self.lines(p, grid)
        lineLists = Array(repeating: nil, count: lines)
        var payload: [Frame] = []
        var mean: Float?
        if p.similarity.usesBaseline, let b = baselines {
            mean = b.globalMean
            payload = [FloatFrames.frame(b.userBias[...]), FloatFrames.frame(b.itemBias[...])]
        }
        // Every task reads every shard, in block order, so each y's ratings are in ascending order.
        let (files, split) = spec.taskInputs(own: (0 ..< grid.rows).flatMap { r in (0 ..< grid.columns).map { (r, $0) } }, m)
        let tasks = (0 ..< lines).map { line -> TaskPlan in
            KNNRowsTask(line: line, xCount: count, yCount: p.userBased ? m.items : m.users, userBased: p.userBased, similarity: p.similarity,
                        minSupport: p.minSupport, shrinkage: p.shrinkage, neighbors: p.neighbors, split: split, mean: mean)
                .plan(files: files, payload: payload)
        }
        return StagePlan(name: "similarities (\(lines) \(p.userBased ? "grid rows" : "grid columns"))", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        guard planned, (0 ..< lines).contains(index) else { throw JobError("train: a knn result for no running grid line") }
        let range = Self.range(parameters, dataset.grid, index)
        guard payload.count == 3, payload[0].count % 4 == 0, payload[1].count % 4 == 0, payload[2].count % 8 == 0,
              let counts = FloatFrames.values(payload[0], count: payload[0].count / 4, as: Int32.self),
              let neighbors = FloatFrames.values(payload[1], count: payload[1].count / 4, as: Int32.self),
              let similarities = FloatFrames.values(payload[2], count: payload[2].count / 8, as: Double.self),
              let rows = NeighborLists(count: count, ranges: [range], counts: counts, neighbors: neighbors, similarities: similarities) else {
            throw JobError("train: the neighbour lists of knn grid line \(index) came back malformed")
        }
        guard lineLists[index] == nil else { throw JobError("train: knn grid line \(index) came back twice") }
        lineLists[index] = rows
        done += 1
    }

    public func finish() throws -> JobOutcome {
        let m = dataset.manifest
        // Each x's list comes from exactly one line: the lines' rows put together in one pass.
        guard let lists = NeighborLists.combined(try lineLists.enumerated().map { line, rows in
            guard let rows else { throw JobError("train: knn grid line \(line) never came back") }
            return rows
        }, count: count) else { throw JobError("train: two knn grid lines sent lists for the same x") }
        let model = KNNTrainer.model(parameters, train: train, users: m.users, items: m.items, baselines: baselines, neighbors: lists)
        var metrics: [String: Double] = [:]
        if evaluation.count > 0 {
            let errors = evaluation.errors(of: model, scale: m.ratingScale)
            metrics = ["rmse": errors.rmse, "mae": errors.mae]
        }
        let seconds = Double(MonotonicClock.milliseconds() - started) / 1000
        let result = NeighborhoodResult(algorithm: spec.algorithm.rawValue, metrics: metrics, trainRatings: train.reduce(0) { $0 + $1.count },
                                        testRatings: evaluation.count, lines: lines, neighbors: lists.entries,
                                        neighborsChecksum: lists.checksum, seconds: seconds)
        return JobOutcome(result: String(decoding: try JSON.encode(result), as: UTF8.self), summary: result.summary)
    }

    public var metrics: [String: Double] { ["lines_done": Double(done), "lines": Double(lines)] }
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
    /// Grid lines whose rows were computed (a task each).
    public var lines: Int
    /// Neighbour entries kept over all lists.
    public var neighbors: Int
    /// `NeighborLists.checksum`: the same for every worker count, and as in one process.
    public var neighborsChecksum: String
    public var seconds: Double

    public var summary: String {
        var lines = ["\(algorithm): similarity rows of \(self.lines) grid lines, \(neighbors) neighbours kept (checksum \(neighborsChecksum)) in \(String(format: "%.3f", seconds)) s"]
        if let rmse = metrics["rmse"], let mae = metrics["mae"] {
            lines.append("\(algorithm): " + String(format: "test RMSE %.4f, MAE %.4f on %d ratings (trained on %d)", rmse, mae, testRatings, trainRatings))
        }
        lines.append("no model published: neighbourhood models are not kept in the model store yet")
        return lines.joined(separator: "\n")
    }
}
