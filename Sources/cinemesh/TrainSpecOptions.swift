import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshNumerics

extension TrainSpec.Algorithm: ExpressibleByArgument {}

extension NeighborSimilarity: ExpressibleByArgument {}
extension KNNRule: ExpressibleByArgument {}

extension TrainSpec.Number: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// The flags that say what to train, shared by `train` and `tune`: each sets one field of a
/// `TrainSpec` and is left out when not given, so the defaults are the spec's own.
struct TrainSpecOptions: ParsableArguments {
    private static let defaults = TrainSpec()

    @Option(help: "Algorithm: svd, als, als-implicit, baseline, nmf, item-knn, user-knn or content (default: svd).")
    var algo: TrainSpec.Algorithm?

    @Option(help: "Latent factors (default: svd \(defaults.svd.factors), als \(defaults.als.factors), als-implicit \(defaults.implicit.factors), nmf \(defaults.nmf.factors)).")
    var factors: Int?

    @Option(help: "Epochs (svd, default \(defaults.svd.epochs); nmf \(defaults.nmf.epochs)), iterations (als \(defaults.als.iterations), als-implicit \(defaults.implicit.iterations)) or baseline epochs (\(defaults.baseline.epochs)).")
    var epochs: Int?

    @Option(help: "Learning rate for all parameters (svd, default \(defaults.svd.learningRate)).")
    var lr: Float?

    @Option(help: "Regularization (default: svd \(defaults.svd.regularization) for all parameters; als \(defaults.als.regularization), weighted by each row's rating count; als-implicit \(defaults.implicit.regularization); nmf \(defaults.nmf.regUser): Surprise's reg_pu and reg_qi).")
    var reg: TrainSpec.Number?

    @Flag(help: "ALS without biases and global mean (plain p_u . q_i).")
    var noBias = false

    @Flag(help: "nmf: learn b_u and b_i by SGD around the global mean (Surprise's biased=True; in one process only, not on a cluster).")
    var biased = false

    @Option(help: "nmf: initial factors are uniform in [init-low, init-high) (default \(defaults.nmf.initLow); must be >= 0).")
    var initLow: Float?

    @Option(help: "nmf: upper end of the initial factors' range (default \(defaults.nmf.initHigh)).")
    var initHigh: Float?

    @Option(help: "als-implicit: confidence of an observed interaction is 1 + alpha (default \(defaults.implicit.alpha)).")
    var alpha: Double?

    @Option(help: "als-implicit: ratings at or above this are the observed interactions (default \(defaults.implicit.positiveThreshold)).")
    var positiveThreshold: Float?

    @Option(help: "als-implicit: conjugate-gradient steps per row and half-iteration (default \(defaults.implicit.cgSteps)).")
    var cgSteps: Int?

    @Option(help: "Learning rate of the biases (svd, default: --lr; nmf, default \(defaults.nmf.lrUserBias): Surprise's lr_bu and lr_bi).")
    var lrBias: Float?

    @Option(help: "Regularization of the biases (svd; als, weighted like --reg) (default: --reg; nmf \(defaults.nmf.regUserBias): Surprise's reg_bu and reg_bi).")
    var regBias: TrainSpec.Number?

    @Option(help: "Multiply the learning rates by this after each epoch (svd, default \(defaults.svd.learningRateDecay)).")
    var lrDecay: Float?

    @Option(help: "Std. dev. of the initial factors (svd, als; default \(defaults.svd.initStd)).")
    var initStd: Float?

    @Option(help: "Seed of the initial factors and the block schedule (default \(defaults.svd.seed); nmf's random_state).")
    var seed: UInt64?

    @Option(help: "item-knn, user-knn: neighbours a prediction takes at most (Surprise's k, default \(defaults.knn.k)).")
    var k: Int?

    @Option(help: "item-knn, user-knn: with fewer neighbours, predict the rule's first term (Surprise's min_k, default \(defaults.knn.minK)).")
    var minK: Int?

    @Option(help: "item-knn, user-knn: similarity: cosine, msd, pearson or pearson_baseline (default \(defaults.knn.similarity.rawValue)).")
    var sim: NeighborSimilarity?

    @Option(help: "item-knn, user-knn: a similarity over fewer shared ratings is 0 (default \(defaults.knn.minSupport)).")
    var minSupport: Int?

    @Option(help: "item-knn, user-knn: pearson_baseline's shrinkage (default \(defaults.knn.shrinkage)).")
    var shrinkage: Double?

    @Option(help: "item-knn, user-knn: the prediction rule: basic (KNNBasic), means (KNNWithMeans) or baseline (KNNBaseline, the default).")
    var knn: KNNRule?

    @Option(help: "item-knn, user-knn: neighbours kept per item (user), the most similar first; 0 keeps every positive one (default \(defaults.knn.neighbors)).")
    var neighbors: Int?

    @Option(help: "Held-out ratings: none (train on all), random:FRACTION (by rating), last:K (each user's K latest), kfold:K:I (fold I of K, 0-based) (default \(defaults.split)).")
    var split: String?

    @Option(help: "Seed of the train/test split (default \(defaults.splitSeed)).")
    var splitSeed: UInt64?

    @Option(help: "Stop when the held-out RMSE has not improved for this many epochs and keep the best epoch's model (svd, als).")
    var earlyStopping: Int?

    /// The spec these flags describe; `test` names the held-out dataset as the trainer will open it.
    /// `promoteIfBetter` is `METRIC[:TOLERANCE]`; `appended` what the caller appended to the dataset.
    func spec(test: String? = nil, checkpointEvery: Int? = nil, name: String? = nil, promoteIfBetter: String? = nil,
              appended: String? = nil) throws -> TrainSpec {
        var s = TrainSpec.Settings()
        s.algorithm = algo
        s.factors = factors
        s.epochs = epochs
        s.learningRate = lr
        s.regularization = reg
        s.learningRateBias = lrBias
        s.regularizationBias = regBias
        s.learningRateDecay = lrDecay
        s.initStd = initStd
        s.seed = seed
        s.earlyStopping = earlyStopping
        s.noBias = noBias ? true : nil
        s.biased = biased ? true : nil
        s.initLow = initLow
        s.initHigh = initHigh
        s.alpha = alpha
        s.positiveThreshold = positiveThreshold
        s.cgSteps = cgSteps
        s.k = k
        s.minK = minK
        s.similarity = sim
        s.minSupport = minSupport
        s.shrinkage = shrinkage
        s.knnRule = knn
        s.neighbors = neighbors
        s.split = try split.map(SplitSpec.init(parsing:))
        s.splitSeed = splitSeed
        s.test = test
        s.checkpointEvery = checkpointEvery
        s.name = name
        if let promoteIfBetter {
            guard let rule = PromotionRule(parsing: promoteIfBetter) else {
                throw DataError(.usage, "--promote-if-better '\(promoteIfBetter)' is not METRIC[:TOLERANCE] with METRIC rmse, mae, auc, f1, precision@K, recall@K, ndcg@K or map@K")
            }
            s.promoteIfBetter = rule
        }
        s.appended = appended
        do {
            return try TrainSpec(s)
        } catch let error as JobError {
            throw DataError(.usage, error.message)
        }
    }
}
