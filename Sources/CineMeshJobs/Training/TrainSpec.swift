import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshStore

/// What a `train` job, `cinemesh train` in one process and every `tune` trial train: the
/// algorithm and its parameters, the held-out split, and for svd and ALS on the cluster the
/// checkpoint interval. Its defaults are stated once, here and in the parameter types (Surprise's for svd).
///
/// It is built from `Settings` (typed, from the command line) or from a job spec's parameters,
/// named as the `cinemesh train` flags in snake case: `algo` (svd, als, als-implicit, baseline, nmf,
/// item-knn, user-knn),
/// `factors`, `epochs` (iterations for ALS), `lr`, `reg`, `lr_bias`, `reg_bias`, `lr_decay`,
/// `init_std`, `seed`, `early_stopping`, `no_bias`, `alpha`, `positive_threshold`, `cg_steps`,
/// `biased`, `init_low`, `init_high` (nmf, Surprise's names; nmf's `reg` is reg_pu and reg_qi,
/// `reg_bias` reg_bu and reg_bi, `lr_bias` lr_bu and lr_bi), `k`, `min_k`, `sim`, `min_support`,
/// `shrinkage`, `knn` (basic, means, baseline) and `neighbors` (item-knn and user-knn, Surprise's
/// names; `epochs` are then the baselines'),
/// `split` (none, random:F, last:K or kfold:K:I), `split_seed`, `test` (a dataset of held-out
/// ratings, as a path on the coordinator or a name in its datasets directory: all of the job's
/// dataset is then trained on), and `checkpoint_every` (svd and ALS on the cluster: epochs or
/// iterations between checkpoints of the model on the coordinator, kept in its state directory; a
/// worker lost with svd rows, or a coordinator restart, costs the epochs since the last one),
/// `name` (the published model's name; default `DATASET/ALGORITHM`),
/// `promote_if_better` (`METRIC[:TOLERANCE]`, `PromotionRule`: publish only a model no worse than
/// the serving one on the same held-out ratings) and `appended` (what a client appended to the
/// dataset just before, e.g. `cinemesh retrain`'s files; recorded in the result, nothing more).
/// Both ways go through one validation; an unknown parameter is refused by name.
public struct TrainSpec: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case svd, als, alsImplicit = "als-implicit", baseline, nmf
        case itemKNN = "item-knn", userKNN = "user-knn", content

        /// Whether the algorithm is a neighbourhood model rather than a factor model: item-knn and
        /// user-knn by rating similarity, content by catalog similarity.
        public var isNeighborhood: Bool { self == .itemKNN || self == .userKNN || self == .content }
    }

    /// A number given as text and read at the precision of the parameter it sets: `reg` is a
    /// Float for svd and a Double for ALS, and each parses the text itself, so neither goes
    /// through the other's rounding.
    public struct Number: Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public let float: Float
        public let double: Double

        public init?(_ text: String) {
            guard let f = Float(text), let d = Double(text), d.isFinite else { return nil }
            description = text
            float = f
            double = d
        }
    }

    /// The values a caller sets; nil keeps the default. Which apply depends on the algorithm.
    public struct Settings: Sendable {
        public var algorithm: Algorithm?
        public var factors: Int?
        public var epochs: Int?
        public var learningRate: Float?
        public var regularization: Number?
        public var learningRateBias: Float?
        public var regularizationBias: Number?
        public var learningRateDecay: Float?
        public var initStd: Float?
        public var seed: UInt64?
        public var earlyStopping: Int?
        public var noBias: Bool?
        public var alpha: Double?
        public var positiveThreshold: Float?
        public var cgSteps: Int?
        /// nmf: learn biases (Surprise's `biased`), and the range of the initial factors.
        public var biased: Bool?
        public var initLow: Float?
        public var initHigh: Float?
        /// item-knn and user-knn: Surprise's `k`, `min_k`, similarity `name`, `min_support`,
        /// `shrinkage`, the rule (KNNBasic, KNNWithMeans, KNNBaseline) and the neighbours kept.
        public var k: Int?
        public var minK: Int?
        public var similarity: NeighborSimilarity?
        public var minSupport: Int?
        public var shrinkage: Double?
        public var knnRule: KNNRule?
        public var neighbors: Int?
        public var split: SplitSpec?
        public var splitSeed: UInt64?
        public var test: String?
        public var checkpointEvery: Int?
        public var name: String?
        public var promoteIfBetter: PromotionRule?
        public var appended: String?

        public init() {}
    }

    public var algorithm = Algorithm.svd
    public var svd = SVDParameters()
    public var als = ALSParameters()
    public var implicit = ImplicitALSParameters()
    public var baseline = BaselineTrainer()
    public var nmf = NMFParameters()
    /// item-knn and user-knn (`userBased` follows the algorithm).
    public var knn = KNNParameters()
    public var split = SplitSpec.random(testFraction: 0.2)
    public var splitSeed: UInt64 = 42
    /// The held-out dataset replacing the split, if any.
    public var test: String?
    /// svd and ALS on the cluster: epochs (iterations) between checkpoints.
    public var checkpointEvery = 5
    /// The name the model is published under (nil: `DATASET/ALGORITHM`).
    public var name: String?
    /// Publish only a model no worse than the serving one (nil: always publish).
    public var promoteIfBetter: PromotionRule?
    /// What the submitter appended to the dataset before the run, as it says (recorded only).
    public var appended: String?

    public static let keys = ["algo", "factors", "epochs", "lr", "reg", "lr_bias", "reg_bias", "lr_decay", "init_std", "seed",
                              "early_stopping", "no_bias", "alpha", "positive_threshold", "cg_steps", "biased", "init_low", "init_high",
                              "k", "min_k", "sim", "min_support", "shrinkage", "knn", "neighbors", "split", "split_seed", "test",
                              "checkpoint_every", "name", "promote_if_better", "appended"]

    /// Neighbours `content` keeps per item unless told: the content model's own default.
    public static let contentNeighbors = ContentParameters().k

    /// The defaults: svd with Surprise's parameters, 20% held out at random.
    public init() {}

    /// The defaults with `settings` applied, validated.
    public init(_ settings: Settings) throws {
        let s = settings
        algorithm = s.algorithm ?? .svd
        func check<T>(_ value: T?, _ name: String, _ valid: (T) -> Bool) throws -> T? {
            guard let value else { return nil }
            guard valid(value) else { throw JobError("train: \(name) has a bad value '\(value)'") }
            return value
        }
        let factors = try check(s.factors, "factors") { (1 ... 1024).contains($0) }
        let epochs = try check(s.epochs, "epochs") { (0 ... 100_000).contains($0) }
        let reg = try check(s.regularization, "reg") { $0.double >= 0 }
        let regBias = try check(s.regularizationBias, "reg_bias") { $0.double >= 0 }
        let initStd = try check(s.initStd, "init_std") { $0 >= 0 && $0.isFinite }
        let patience = try check(s.earlyStopping, "early_stopping") { $0 >= 1 }
        switch algorithm {
        case .svd:
            if let factors { svd.factors = factors }
            if let epochs { svd.epochs = epochs }
            if let v = try check(s.learningRate, "lr", { $0 > 0 && $0.isFinite }) { svd.learningRate = v }
            if let reg { svd.regularization = reg.float }
            svd.learningRateBias = try check(s.learningRateBias, "lr_bias") { $0 > 0 && $0.isFinite }
            svd.regularizationBias = regBias?.float
            if let v = try check(s.learningRateDecay, "lr_decay", { $0 > 0 && $0 <= 1 }) { svd.learningRateDecay = v }
            if let initStd { svd.initStd = initStd }
            if let seed = s.seed { svd.seed = seed }
            svd.earlyStoppingPatience = patience
        case .als:
            if let factors { guard factors <= 512 else { throw JobError("train: ALS takes at most 512 factors") }; als.factors = factors }
            if let epochs { als.iterations = epochs }
            if let reg { als.regularization = reg.double }
            als.biasRegularization = regBias?.double
            if let noBias = s.noBias { als.biased = !noBias }
            if let initStd { als.initStd = initStd }
            if let seed = s.seed { als.seed = seed }
            als.earlyStoppingPatience = patience
        case .alsImplicit:
            if let factors { guard factors <= 512 else { throw JobError("train: ALS takes at most 512 factors") }; implicit.factors = factors }
            if let epochs { implicit.iterations = epochs }
            if let reg { guard reg.double > 0 else { throw JobError("train: als-implicit needs reg > 0") }; implicit.regularization = reg.double }
            if let v = try check(s.alpha, "alpha", { $0 >= 0 && $0.isFinite }) { implicit.alpha = v }
            if let v = try check(s.positiveThreshold, "positive_threshold", { $0.isFinite }) { implicit.positiveThreshold = v }
            if let v = try check(s.cgSteps, "cg_steps", { (1 ... 100).contains($0) }) { implicit.cgSteps = v }
            if let seed = s.seed { implicit.seed = seed }
        case .baseline:
            if let epochs { baseline.epochs = epochs }
        case .nmf:
            if let factors { nmf.factors = factors }
            if let epochs { nmf.epochs = epochs }
            if let reg { (nmf.regUser, nmf.regItem) = (reg.double, reg.double) }
            if let regBias { (nmf.regUserBias, nmf.regItemBias) = (regBias.double, regBias.double) }
            if let v = try check(s.learningRateBias, "lr_bias", { $0 > 0 && $0.isFinite }) { (nmf.lrUserBias, nmf.lrItemBias) = (Double(v), Double(v)) }
            if let biased = s.biased { nmf.biased = biased }
            if let v = try check(s.initLow, "init_low", { $0 >= 0 && $0.isFinite }) { nmf.initLow = v }
            if let v = try check(s.initHigh, "init_high", { $0.isFinite }) { nmf.initHigh = v }
            guard nmf.initHigh > nmf.initLow else { throw JobError("train: nmf needs init_high > init_low") }
            if let seed = s.seed { nmf.seed = seed }
        case .itemKNN, .userKNN:
            knn.userBased = algorithm == .userKNN
            if let epochs { knn.baseline.epochs = epochs }
            if let v = try check(s.k, "k", { $0 >= 1 }) { knn.k = v }
            if let v = try check(s.minK, "min_k", { $0 >= 0 }) { knn.minK = v }
            if let v = s.similarity { knn.similarity = v }
            if let v = try check(s.minSupport, "min_support", { $0 >= 0 }) { knn.minSupport = v }
            if let v = try check(s.shrinkage, "shrinkage", { $0 >= 0 && $0.isFinite }) { knn.shrinkage = v }
            if let v = s.knnRule { knn.rule = v }
            if let v = try check(s.neighbors, "neighbors", { $0 >= 0 }) { knn.neighbors = v }
            guard knn.neighbors == 0 || knn.neighbors >= knn.k else {
                throw JobError("train: neighbors (\(knn.neighbors)) must be 0 (all) or at least k (\(knn.k))")
            }
        case .content:
            // KNNWithMeans over the catalog's cosine neighbours: the similarity is the content's.
            guard s.similarity == nil, s.minSupport == nil, s.shrinkage == nil else {
                throw JobError("train: content's similarity is the cosine of the catalog's TF-IDF vectors: sim, min_support and shrinkage do not apply")
            }
            knn.similarity = .cosine
            knn.rule = s.knnRule ?? .means
            knn.neighbors = Self.contentNeighbors
            if let epochs { knn.baseline.epochs = epochs }
            if let v = try check(s.k, "k", { $0 >= 1 }) { knn.k = v }
            if let v = try check(s.minK, "min_k", { $0 >= 0 }) { knn.minK = v }
            if let v = try check(s.neighbors, "neighbors", { $0 >= 1 }) { knn.neighbors = v }
            guard knn.neighbors >= knn.k else { throw JobError("train: neighbors (\(knn.neighbors)) must be at least k (\(knn.k))") }
        }
        if let split = s.split { self.split = split }
        if let v = s.splitSeed { splitSeed = v }
        if let v = try check(s.checkpointEvery, "checkpoint_every", { $0 >= 1 }) { checkpointEvery = v }
        name = try check(s.name, "name") { ModelStore.isValidName($0) }
        if let test = s.test {
            guard !test.isEmpty else { throw JobError("train: test names no dataset") }
            guard s.split == nil else { throw JobError("train: give test or split, not both") }
            self.test = test
            split = .none
        }
        appended = s.appended
        if let rule = s.promoteIfBetter {
            guard test != nil || split != .none else {
                throw JobError("train: promote_if_better compares held-out metrics; it needs a split other than none, or test")
            }
            guard predictsRatings || !rule.lowerIsBetter else {
                throw JobError("train: als-implicit scores preferences, not ratings; promote_if_better takes a ranking metric (ndcg@10, precision@10, ...)")
            }
            promoteIfBetter = rule
        }
    }

    /// The held-out metrics a `train` job's result reports, which `promote_if_better` can compare
    /// on a cluster (in one process `cinemesh train` also reports auc, f1 and its --top-k's).
    public var clusterMetrics: [String] {
        predictsRatings ? ["rmse", "mae"] : ["precision@10", "ndcg@10", "recall@10", "map@10"]
    }

    /// The spec a job's parameters describe (see the type's doc for the names).
    public init(parameters: [String: String]) throws {
        for key in parameters.keys where !Self.keys.contains(key) {
            throw JobError("train: unknown parameter '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
        func value<T>(_ key: String, _ parse: (String) -> T?) throws -> T? {
            guard let text = parameters[key] else { return nil }
            guard let v = parse(text) else { throw JobError("train: \(key) has a bad value '\(text)'") }
            return v
        }
        var s = Settings()
        if let name = parameters["algo"] {
            guard let algorithm = Algorithm(rawValue: name) else {
                throw JobError("train: algo '\(name)' is not \(Algorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.algorithm = algorithm
        }
        s.factors = try value("factors") { Int($0) }
        s.epochs = try value("epochs") { Int($0) }
        s.learningRate = try value("lr") { Float($0) }
        s.regularization = try value("reg") { Number($0) }
        s.learningRateBias = try value("lr_bias") { Float($0) }
        s.regularizationBias = try value("reg_bias") { Number($0) }
        s.learningRateDecay = try value("lr_decay") { Float($0) }
        s.initStd = try value("init_std") { Float($0) }
        s.seed = try value("seed") { UInt64($0) }
        s.earlyStopping = try value("early_stopping") { Int($0) }
        s.noBias = try value("no_bias") { Bool($0) }
        s.alpha = try value("alpha") { Double($0) }
        s.positiveThreshold = try value("positive_threshold") { Float($0) }
        s.cgSteps = try value("cg_steps") { Int($0) }
        s.biased = try value("biased") { Bool($0) }
        s.initLow = try value("init_low") { Float($0) }
        s.initHigh = try value("init_high") { Float($0) }
        s.k = try value("k") { Int($0) }
        s.minK = try value("min_k") { Int($0) }
        s.similarity = try value("sim") { NeighborSimilarity(rawValue: $0) }
        s.minSupport = try value("min_support") { Int($0) }
        s.shrinkage = try value("shrinkage") { Double($0) }
        s.knnRule = try value("knn") { KNNRule(rawValue: $0) }
        s.neighbors = try value("neighbors") { Int($0) }
        if let text = parameters["split"] {
            do { s.split = try SplitSpec(parsing: text) } catch { throw JobError("train: \(error)") }
        }
        s.splitSeed = try value("split_seed") { UInt64($0) }
        s.test = parameters["test"]
        s.checkpointEvery = try value("checkpoint_every") { Int($0) }
        s.name = parameters["name"]
        s.promoteIfBetter = try value("promote_if_better") { PromotionRule(parsing: $0) }
        s.appended = parameters["appended"]
        try self.init(s)
        if let rule = promoteIfBetter, !clusterMetrics.contains(rule.metric) {
            throw JobError("train: promote_if_better: a \(algorithm.rawValue) job reports \(clusterMetrics.joined(separator: ", ")), not '\(rule.metric)'")
        }
    }

    /// The spec as a job's parameters, the inverse of `init(parameters:)`: every value this
    /// algorithm reads, numbers written so they read back to the same bits (a Float's shortest
    /// decimal form parses to that Float).
    public var parameters: [String: String] {
        var p: [String: String] = ["algo": algorithm.rawValue, "split_seed": String(splitSeed)]
        if let name { p["name"] = name }
        if let promoteIfBetter { p["promote_if_better"] = promoteIfBetter.description }
        if let appended { p["appended"] = appended }
        if let test { p["test"] = test } else { p["split"] = split.description }
        switch algorithm {
        case .svd:
            p["factors"] = String(svd.factors)
            p["epochs"] = String(svd.epochs)
            p["lr"] = String(svd.learningRate)
            p["reg"] = String(svd.regularization)
            p["lr_decay"] = String(svd.learningRateDecay)
            p["init_std"] = String(svd.initStd)
            p["seed"] = String(svd.seed)
            p["checkpoint_every"] = String(checkpointEvery)
            if let v = svd.learningRateBias { p["lr_bias"] = String(v) }
            if let v = svd.regularizationBias { p["reg_bias"] = String(v) }
            if let v = svd.earlyStoppingPatience { p["early_stopping"] = String(v) }
        case .als:
            p["factors"] = String(als.factors)
            p["epochs"] = String(als.iterations)
            p["reg"] = String(als.regularization)
            p["no_bias"] = String(!als.biased)
            p["init_std"] = String(als.initStd)
            p["seed"] = String(als.seed)
            if let v = als.biasRegularization { p["reg_bias"] = String(v) }
            if let v = als.earlyStoppingPatience { p["early_stopping"] = String(v) }
        case .alsImplicit:
            p["factors"] = String(implicit.factors)
            p["epochs"] = String(implicit.iterations)
            p["reg"] = String(implicit.regularization)
            p["alpha"] = String(implicit.alpha)
            p["positive_threshold"] = String(implicit.positiveThreshold)
            p["cg_steps"] = String(implicit.cgSteps)
            p["seed"] = String(implicit.seed)
        case .baseline:
            p["epochs"] = String(baseline.epochs)
        case .nmf:
            // One reg for p_u and q_i, one for the biases, one bias learning rate: the spec sets them in pairs.
            p["factors"] = String(nmf.factors)
            p["epochs"] = String(nmf.epochs)
            p["reg"] = String(nmf.regUser)
            p["reg_bias"] = String(nmf.regUserBias)
            p["lr_bias"] = String(Float(nmf.lrUserBias))
            p["biased"] = String(nmf.biased)
            p["init_low"] = String(nmf.initLow)
            p["init_high"] = String(nmf.initHigh)
            p["seed"] = String(nmf.seed)
        case .itemKNN, .userKNN:
            p["epochs"] = String(knn.baseline.epochs)
            p["k"] = String(knn.k)
            p["min_k"] = String(knn.minK)
            p["sim"] = knn.similarity.rawValue
            p["min_support"] = String(knn.minSupport)
            p["shrinkage"] = String(knn.shrinkage)
            p["knn"] = knn.rule.rawValue
            p["neighbors"] = String(knn.neighbors)
        case .content:
            p["epochs"] = String(knn.baseline.epochs)
            p["k"] = String(knn.k)
            p["min_k"] = String(knn.minK)
            p["knn"] = knn.rule.rawValue
            p["neighbors"] = String(knn.neighbors)
        }
        return p
    }

    /// The job's training blocks and held-out set: the split of `dataset`, or with `test` all of
    /// `dataset` and the test dataset's ratings matched to its ids (users or items it lacks are
    /// predicted from the biases, as in one process).
    public func trainingData(_ dataset: Dataset, context: JobContext) throws -> (train: [RatingBlock], evaluation: EvaluationSet) {
        let parts = try split.apply(try dataset.allBlocks(includeTimestamps: split.needsTimestamps), users: dataset.manifest.users, seed: splitSeed)
        guard let test else { return (parts.train, EvaluationSet(blocks: parts.test)) }
        let held: Dataset
        do { held = try Dataset(path: context.path(of: test)) } catch { throw JobError("train: test dataset '\(test)': \(error)") }
        return (parts.train, try EvaluationSet(dataset: held, trainUsers: dataset.users, trainItems: dataset.items))
    }

    /// The shard files of a training task over blocks `own` (in the order the task reads them),
    /// and the task's split fields, which say how many of them are its own. A split decided per rating
    /// needs only those. A split that is not (last:K: a user's latest ratings may lie in any block
    /// of the user's grid row) also names every other shard of the grid rows involved, which the
    /// worker reads to split the task's blocks exactly as the whole dataset splits.
    func taskInputs(own: [(row: Int, column: Int)], _ m: DatasetManifest) -> (files: [FileRef], split: TaskSplit) {
        func ref(_ row: Int, _ column: Int) -> FileRef {
            let entry = m.block(row: row, column: column)!
            return FileRef(xxh64: entry.xxh64, bytes: entry.bytes, name: entry.file)
        }
        let files = own.map { ref($0.row, $0.column) }
        guard !split.isPerRating else { return (files, TaskSplit(split: split, seed: splitSeed)) }
        var companions: [FileRef] = []
        for row in Set(own.map(\.row)).sorted() {
            for column in 0 ..< m.grid.columns where !own.contains(where: { $0 == (row, column) }) {
                companions.append(ref(row, column))
            }
        }
        return (files + companions, TaskSplit(split: split, seed: splitSeed, ownFiles: files.count))
    }
}
