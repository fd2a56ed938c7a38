import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// What a trainer reports while it runs, for a progress display.
public struct TrainingProgress {
    /// After each epoch (svd, nmf) or iteration (als): its training and held-out RMSE and timings.
    public var epoch: (EpochReport) -> Void
    /// After each als-implicit iteration: its number and seconds.
    public var iteration: (Int, Double) -> Void
    /// svd: blocks done of the epoch's blocks.
    public var block: (_ epoch: Int, _ done: Int, _ blocks: Int) -> Void

    public init(epoch: @escaping (EpochReport) -> Void = { _ in }, iteration: @escaping (Int, Double) -> Void = { _, _ in },
                block: @escaping (_ epoch: Int, _ done: Int, _ blocks: Int) -> Void = { _, _, _ in }) {
        self.epoch = epoch
        self.iteration = iteration
        self.block = block
    }
}

extension TrainSpec {
    /// The spec's parameters as the model file records them.
    public var hyperparameters: ModelFile.Metadata.Hyperparameters {
        switch algorithm {
        case .svd: .svd(svd)
        case .als: .als(als)
        case .alsImplicit: .alsImplicit(implicit)
        case .baseline: .baseline(baseline)
        case .nmf: .nmf(nmf)
        case .itemKNN, .userKNN, .content: .knn(knn)
        }
    }

    /// Whether the model predicts ratings (scored by RMSE) rather than preferences (als-implicit,
    /// scored by ranking).
    public var predictsRatings: Bool { algorithm != .alsImplicit }

    /// Trains the spec's algorithm in this process on `train`, scoring `test` after each epoch
    /// when it has ratings: the one-process path `cinemesh train` and `tune` trials share, and
    /// the reference the cluster's models are the same bits as.
    public func fit(_ train: [RatingBlock], grid: Grid, users: Int, items: Int, test: EvaluationSet, scale: RatingScale,
                    progress: TrainingProgress = TrainingProgress()) throws -> BiasedFactorModel {
        let heldOut = test.count > 0 ? test : nil
        switch algorithm {
        case .svd:
            return try SVDTrainer(parameters: svd).fit(train, grid: grid, users: users, items: items, test: heldOut, scale: scale,
                                                       onEpoch: progress.epoch, onBlock: progress.block)
        case .als:
            return try ALSTrainer(parameters: als).fit(train, users: users, items: items, test: heldOut, scale: scale, onEpoch: progress.epoch)
        case .alsImplicit:
            return try ImplicitALSTrainer(parameters: implicit).fit(train, users: users, items: items, onIteration: progress.iteration)
        case .baseline:
            return baseline.fit(train, users: users, items: items)
        case .nmf:
            return try NMFTrainer(parameters: nmf).fit(train, users: users, items: items, test: heldOut, scale: scale, onEpoch: progress.epoch)
        case .itemKNN, .userKNN, .content:
            throw JobError("train: \(algorithm.rawValue) is a neighbourhood model, not a factor model (KNNTrainer trains it)")
        }
    }
}

extension ModelFile {
    /// The ratings a model to serve counts as seen: every rating each user has in `dataset`, the
    /// held-out ones included, so the gateway never recommends a title the user already rated.
    /// `train` is reused when it is all of the dataset (`--split none`, or a separate test set).
    public static func seenRatings(train: [RatingBlock], dataset: Dataset) throws -> [RatingBlock] {
        train.reduce(0) { $0 + $1.count } == dataset.manifest.ratings ? train : try dataset.allBlocks(includeTimestamps: false)
    }
}
