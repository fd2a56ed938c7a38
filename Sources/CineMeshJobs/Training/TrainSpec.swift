import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// The parameters of a `train` job, read from a job spec's `parameters` with the names of the
/// `cinemesh train` flags in snake case: `algo` (svd, als, als-implicit), `factors`, `epochs`
/// (iterations for ALS), `lr`, `reg`, `lr_bias`, `reg_bias`, `lr_decay`, `init_std`, `seed`,
/// `early_stopping`, `no_bias`, `alpha`, `positive_threshold`, `cg_steps`, `split` (random:F or
/// kfold:K:I), `split_seed`, `test` (a dataset of held-out ratings, as a path on the coordinator or
/// a name in its datasets directory: all of the job's dataset is then trained on), and for svd on
/// the cluster `checkpoint_every` (epochs between checkpoints of the model on the coordinator; a
/// worker lost with rows costs the epochs since the last one). Defaults are the command's (and
/// Surprise's, for svd).
public struct TrainSpec: Sendable, Equatable {
    public enum Algorithm: String, Sendable {
        case svd, als, alsImplicit = "als-implicit", baseline
    }

    public var algorithm = Algorithm.svd
    public var svd = SVDParameters()
    public var als = ALSParameters()
    public var implicit = ImplicitALSParameters()
    public var baseline = BaselineTrainer()
    public var split = SplitSpec.random(testFraction: 0.2)
    public var splitSeed: UInt64 = 42
    /// The held-out dataset replacing the split, if any.
    public var test: String?
    /// svd on the cluster: epochs between checkpoints.
    public var checkpointEvery = 5

    public static let keys = ["algo", "factors", "epochs", "lr", "reg", "lr_bias", "reg_bias", "lr_decay", "init_std", "seed",
                              "early_stopping", "no_bias", "alpha", "positive_threshold", "cg_steps", "split", "split_seed", "test",
                              "checkpoint_every"]

    public init() {}

    public init(parameters: [String: String]) throws {
        for key in parameters.keys where !Self.keys.contains(key) {
            throw JobError("train: unknown parameter '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
        let name = parameters["algo"] ?? "svd"
        guard let algorithm = Algorithm(rawValue: name) else {
            throw JobError("train: algo '\(name)' is not svd, als, als-implicit or baseline")
        }
        self.algorithm = algorithm
        func number<T: LosslessStringConvertible>(_ key: String, _ valid: (T) -> Bool) throws -> T? {
            guard let text = parameters[key] else { return nil }
            guard let v = T(text), valid(v) else { throw JobError("train: \(key) has a bad value '\(text)'") }
            return v
        }
        let factors: Int? = try number("factors", { (1 ... 1024).contains($0) })
        let epochs: Int? = try number("epochs", { (0 ... 100_000).contains($0) })
        let reg: Double? = try number("reg", { $0 >= 0 && $0.isFinite })
        let regBias: Double? = try number("reg_bias", { $0 >= 0 && $0.isFinite })
        let seed: UInt64? = try number("seed", { _ in true })
        let initStd: Float? = try number("init_std", { $0 >= 0 && $0.isFinite })
        let patience: Int? = try number("early_stopping", { $0 >= 1 })
        switch algorithm {
        case .svd:
            if let factors { svd.factors = factors }
            if let epochs { svd.epochs = epochs }
            if let v: Float = try number("lr", { $0 > 0 && $0.isFinite }) { svd.learningRate = v }
            if let reg { svd.regularization = Float(reg) }
            svd.learningRateBias = try number("lr_bias", { (x: Float) in x > 0 && x.isFinite })
            svd.regularizationBias = regBias.map(Float.init)
            if let v: Float = try number("lr_decay", { $0 > 0 && $0 <= 1 }) { svd.learningRateDecay = v }
            if let initStd { svd.initStd = initStd }
            if let seed { svd.seed = seed }
            svd.earlyStoppingPatience = patience
        case .als:
            if let factors { guard factors <= 512 else { throw JobError("train: ALS takes at most 512 factors") }; als.factors = factors }
            if let epochs { als.iterations = epochs }
            if let reg { als.regularization = reg }
            als.biasRegularization = regBias
            if let b: Bool = try number("no_bias", { _ in true }) { als.biased = !b }
            if let initStd { als.initStd = initStd }
            if let seed { als.seed = seed }
            als.earlyStoppingPatience = patience
        case .alsImplicit:
            if let factors { guard factors <= 512 else { throw JobError("train: ALS takes at most 512 factors") }; implicit.factors = factors }
            if let epochs { implicit.iterations = epochs }
            if let reg { guard reg > 0 else { throw JobError("train: als-implicit needs reg > 0") }; implicit.regularization = reg }
            if let v: Double = try number("alpha", { $0 >= 0 && $0.isFinite }) { implicit.alpha = v }
            if let v: Float = try number("positive_threshold", { $0.isFinite }) { implicit.positiveThreshold = v }
            if let v: Int = try number("cg_steps", { (1 ... 100).contains($0) }) { implicit.cgSteps = v }
            if let seed { implicit.seed = seed }
        case .baseline:
            if let epochs { baseline.epochs = epochs }
        }
        if let text = parameters["split"] {
            do { split = try SplitSpec(parsing: text) } catch { throw JobError("train: \(error)") }
        }
        if let v: UInt64 = try number("split_seed", { _ in true }) { splitSeed = v }
        if let v: Int = try number("checkpoint_every", { $0 >= 1 }) { checkpointEvery = v }
        if let text = parameters["test"] {
            guard !text.isEmpty else { throw JobError("train: test names no dataset") }
            guard parameters["split"] == nil else { throw JobError("train: give test or split, not both") }
            test = text
            split = .random(testFraction: 0)
        }
    }

    /// The job's training blocks and held-out set: the split of `dataset`, or with `test` all of
    /// `dataset` and the test dataset's ratings matched to its ids (users or items it lacks are
    /// predicted from the biases, as in one process).
    func trainingData(_ dataset: Dataset, context: JobContext) throws -> (train: [RatingBlock], evaluation: EvaluationSet) {
        let parts = try split.apply(try dataset.allBlocks(includeTimestamps: split.needsTimestamps), users: dataset.manifest.users, seed: splitSeed)
        guard let test else { return (parts.train, EvaluationSet(blocks: parts.test)) }
        let held: Dataset
        do { held = try Dataset(path: context.path(of: test)) } catch { throw JobError("train: test dataset '\(test)': \(error)") }
        return (parts.train, try EvaluationSet(dataset: held, trainUsers: dataset.users, trainItems: dataset.items))
    }

    /// The shard files of a training task over blocks `own` (in the order the task reads them),
    /// and the parameter that says how many of them are its own. A split decided per rating
    /// needs only those. A split that is not (last:K: a user's latest ratings may lie in any block
    /// of the user's grid row) also names every other shard of the grid rows involved, which the
    /// worker reads to split the task's blocks exactly as the whole dataset splits.
    func taskFiles(own: [(row: Int, column: Int)], _ m: DatasetManifest) -> (files: [FileRef], parameters: [String: String]) {
        func ref(_ row: Int, _ column: Int) -> FileRef {
            let entry = m.block(row: row, column: column)!
            return FileRef(xxh64: entry.xxh64, bytes: entry.bytes, name: entry.file)
        }
        let files = own.map { ref($0.row, $0.column) }
        guard !split.isPerRating else { return (files, [:]) }
        var companions: [FileRef] = []
        for row in Set(own.map(\.row)).sorted() {
            for column in 0 ..< m.grid.columns where !own.contains(where: { $0 == (row, column) }) {
                companions.append(ref(row, column))
            }
        }
        return (files + companions, ["own_files": String(files.count)])
    }
}
