import CineMeshData
import Foundation

/// A random forest's settings. Defaults are scikit-learn's `RandomForestClassifier`'s: 100
/// trees grown until their leaves are pure or hold one row, sqrt(features) drawn per split, each
/// tree on a bootstrap sample as large as the training rows.
public struct ForestParameters: Sendable, Codable, Equatable {
    /// Trees (`n_estimators`).
    public var numTrees = 100
    /// `num_leaves` (`max_leaf_nodes`; `Int.max`: no limit), `max_depth` (-1: no limit), and
    /// `min_data_in_leaf` (`min_samples_leaf`); `lambda_l2` stays 0.
    public var shape = TreeShape(numLeaves: .max, maxDepth: -1, rule: SplitRule(minSumHessianInLeaf: 0, minDataInLeaf: 1))
    /// Features drawn for each split search, as a fraction of them (`max_features` as a float,
    /// LightGBM's `feature_fraction_bynode`); nil: the square root of their number, rounded down.
    public var featureFraction: Double?
    /// Each tree's bootstrap sample: this fraction of the rows, drawn with replacement
    /// (`max_samples`).
    public var baggingFraction = 1.0
    public var seed: UInt64 = 0
    public var maxBin = 255

    public init() {}

    /// Features searched per split, of `width`.
    public func featuresPerNode(of width: Int) -> Int {
        guard let fraction = featureFraction else { return max(1, Int(Double(width).squareRoot())) }
        return min(width, max(1, Int((Double(width) * fraction).rounded())))
    }
}

/// A random forest for a 0/1 label with scikit-learn's `RandomForestClassifier` semantics, from
/// the boosting's machinery: each tree is a regression tree on the label (a row adds -y to the
/// gradient and 1 to the hessian for each time the bootstrap drew it), so a split's gain is the weighted
/// variance reduction, which for a 0/1 label is half the Gini decrease scikit-learn splits on,
/// and a leaf's value is its weighted share of likes. P(like) is the mean of the trees' leaf
/// values: scikit-learn averages the trees' probabilities.
///
/// Why scikit-learn's semantics and not LightGBM's `boosting=rf`: LightGBM's forest fits every
/// tree to the gradients at one constant score and averages Newton steps in log-odds, then takes
/// the sigmoid, which is not a probability average, needs bagging without replacement and keeps
/// the trees small (`num_leaves`); a random forest is expected to be deep, bootstrapped, with
/// features drawn per split, and to average probabilities, which is what this does.
///
/// Splits are searched on bins (`FeatureBins`, `maxBin`), not every distinct value as
/// scikit-learn does, and a feature drawn for a split that turns out constant is not replaced
/// by another draw. Each tree draws its bootstrap and its features from stream `t` of `seed`,
/// so trees are independent of each other: a cluster grows them on any worker, any order.
public enum RandomForest {
    /// Fits on the `rows` (ascending) of `values` (row-major, `width` features a row), whose
    /// labels are `labels[row]`. `threads` grow trees side by side, each with its own grower;
    /// the forest is the same bits for any number of them.
    public static func fit(values: [Float], width: Int, labels: [UInt8], rows: [Int32], parameters p: ForestParameters,
                           threads: Int = 1) throws -> TreeEnsemble {
        guard p.numTrees >= 1, p.shape.numLeaves >= 2, p.baggingFraction > 0, p.baggingFraction <= 1 else {
            throw DataError(.usage, "a forest needs a tree or more, num_leaves at least 2 and bagging_fraction in (0, 1]")
        }
        if let f = p.featureFraction, !(f > 0 && f <= 1) { throw DataError(.usage, "feature_fraction must be in (0, 1]") }
        guard !rows.isEmpty else { throw DataError(.usage, "no training rows to fit") }
        let bins = try FeatureBins(values: values, width: width, rows: rows, maxBin: p.maxBin)
        let matrix = BinMatrix(values: values, rows: rows, bins: bins)
        let n = rows.count, draws = max(1, Int(p.baggingFraction * Double(n)))
        let y = rows.map { Double(labels[Int($0)]) }
        let lanes = max(1, min(threads, p.numTrees)), perNode = p.featuresPerNode(of: width)
        var trees = [RegressionTree](repeating: RegressionTree(), count: p.numTrees)
        trees.withUnsafeMutableBufferPointer { out in
            let shared = UnsafeSendable(out)
            inLanes(lanes) { lane in
                // Lane `lane` grows trees lane, lane + lanes, ...: each tree from its own stream.
                let grower = TreeGrower(matrix: matrix, bins: bins, shape: p.shape, featuresPerNode: perNode, poolBytes: (256 << 20) / lanes)
                let features = [Bool](repeating: true, count: width)
                var times = [Int32](repeating: 0, count: n)
                var gradients = [Double](repeating: 0, count: n), hessians = [Double](repeating: 0, count: n)
                var bag: [Int32] = []
                for t in stride(from: lane, to: p.numTrees, by: lanes) {
                    var random = SeededRandom(seed: p.seed, stream: UInt64(t))
                    for k in 0 ..< n { times[k] = 0 }
                    for _ in 0 ..< draws { times[random.below(n)] += 1 }
                    bag.removeAll(keepingCapacity: true)
                    for k in 0 ..< n where times[k] > 0 {
                        bag.append(Int32(k))
                        gradients[k] = -y[k] * Double(times[k])
                        hessians[k] = Double(times[k])
                    }
                    shared.value[t] = grower.grow(rows: bag, gradients: gradients, hessians: hessians, features: features, random: &random)
                }
            }
        }
        return TreeEnsemble(kind: .forest, bins: bins, initScore: 0, trees: trees)
    }
}
