import Foundation

/// A fitted tree model for P(like): gradient-boosted trees (`GradientBoosting`) or a random
/// forest (`RandomForest`), with the bins its trees split on.
///
/// - `.boosting`: P = sigmoid(`initScore` + the sum of the trees' leaf values), the leaf values
///   already scaled by the learning rate;
/// - `.forest`: P = the mean of the trees' leaf values, each a leaf's share of likes.
public struct TreeEnsemble: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case boosting = "gbdt"
        case forest
    }

    public var kind: Kind
    public var bins: FeatureBins
    /// Boosting's starting log-odds (0 for a forest).
    public var initScore: Double
    public var trees: [RegressionTree]
    /// Boosting with early stopping: the validation rows' mean log loss after each tree grown,
    /// including those grown after the best and dropped. Empty otherwise.
    public var validationLoss: [Double]

    public init(kind: Kind, bins: FeatureBins, initScore: Double, trees: [RegressionTree], validationLoss: [Double] = []) {
        self.kind = kind
        self.bins = bins
        self.initScore = initScore
        self.trees = trees
        self.validationLoss = validationLoss
    }

    /// P(like) for a row of raw features (`row[f]` is feature f).
    public func probability(_ row: ArraySlice<Float>) -> Double {
        row.withUnsafeBufferPointer { p in
            let x = p.baseAddress!
            switch kind {
            case .boosting:
                var z = initScore
                for tree in trees { z += tree.leafValue[tree.leaf(x)] }
                return LogisticRegression.sigmoid(z)
            case .forest:
                guard !trees.isEmpty else { return 0.5 }
                var sum = 0.0
                for tree in trees { sum += tree.leafValue[tree.leaf(x)] }
                return min(1, max(0, sum / Double(trees.count)))
            }
        }
    }

    /// Per feature, the gain of the splits on it summed over all trees, and how many splits.
    public func importance() -> (gain: [Double], splits: [Int]) {
        var gain = [Double](repeating: 0, count: bins.featureCount), splits = [Int](repeating: 0, count: bins.featureCount)
        for tree in trees {
            for (f, g) in zip(tree.splitFeature, tree.splitGain) {
                gain[Int(f)] += g
                splits[Int(f)] += 1
            }
        }
        return (gain, splits)
    }

    /// Mean binary log loss of probabilities `p` against 0/1 labels, each p clamped to
    /// [1e-15, 1 - 1e-15] (scikit-learn's `log_loss`).
    public static func logLoss(labels: some Collection<UInt8>, probabilities: some Collection<Double>) -> Double {
        var sum = 0.0
        for (y, p) in zip(labels, probabilities) {
            let q = min(max(p, 1e-15), 1 - 1e-15)
            sum -= y == 1 ? log(q) : log(1 - q)
        }
        return sum / Double(max(1, labels.count))
    }
}
