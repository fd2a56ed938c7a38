import ArgumentParser
import CineMeshData
import CineMeshNumerics
import Foundation

/// `classify --model gbdt|forest`'s settings, with LightGBM's parameter names
/// (docs/CLASSIFY.md). An option left out takes the model's default: LightGBM's for gbdt,
/// scikit-learn's RandomForestClassifier's for forest.
struct TreeOptions: ParsableArguments {
    @Option(help: "gbdt: trees to grow (LightGBM's default 100). forest: the same as --num-trees.")
    var numIterations: Int?

    @Option(help: "forest: trees (default 100).")
    var numTrees: Int?

    @Option(help: "gbdt: each tree's leaves are scaled by it.")
    var learningRate = 0.1

    @Option(help: "The most leaves a tree has; -1 for no limit (gbdt 31, forest -1).")
    var numLeaves: Int?

    @Option(help: "The deepest a leaf may be, the root at 0; -1 for no limit.")
    var maxDepth = -1

    @Option(help: "The fewest training rows a leaf keeps (gbdt 20, forest 1).")
    var minDataInLeaf: Int?

    @Option(name: [.customLong("min-child-weight"), .customLong("min-sum-hessian-in-leaf")],
            help: "The least hessian sum a leaf keeps (gbdt 1e-3, forest 0).")
    var minChildWeight: Double?

    @Option(help: "gbdt: L2 penalty on leaf values.")
    var lambdaL2 = 0.0

    @Option(help: "The least gain a split must have.")
    var minGainToSplit = 0.0

    @Option(help: "gbdt: the share of rows each bag holds (with --bagging-freq). forest: each tree's bootstrap size, as a share of the rows.")
    var baggingFraction = 1.0

    @Option(help: "gbdt: draw a new bag every this many trees (0: no bagging).")
    var baggingFreq = 0

    @Option(help: "gbdt: the share of features each tree may split on. forest: each split's (default: sqrt(features)).")
    var featureFraction: Double?

    @Option(help: "The most bins a feature is cut into (2-256).")
    var maxBin = 255

    @Option(help: "gbdt: stop when the validation log loss has not improved for this many trees (0: never).")
    var earlyStoppingRound = 0

    @Option(help: "gbdt with early stopping: the share of the training rows held out to validate on.")
    var validationFraction = 0.1

    @Option(help: "The seed of bagging and feature draws (gbdt: LightGBM's defaults; forest: 0).")
    var seed: UInt64?

    @Option(help: "Threads to fit on (0: every core). The model does not depend on them.")
    var numThreads = 0

    /// The threads to fit on.
    var threads: Int { numThreads > 0 ? numThreads : max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The gradient boosting's parameters.
    func boosting() throws -> BoostingParameters {
        var p = BoostingParameters()
        p.numIterations = numIterations ?? 100
        p.learningRate = learningRate
        p.shape = TreeShape(numLeaves: try leaves(default: 31), maxDepth: maxDepth,
                            rule: SplitRule(lambdaL2: lambdaL2, minSumHessianInLeaf: minChildWeight ?? 1e-3,
                                            minDataInLeaf: minDataInLeaf ?? 20, minGainToSplit: minGainToSplit))
        p.baggingFraction = baggingFraction
        p.baggingFreq = baggingFreq
        p.featureFraction = featureFraction ?? 1
        p.maxBin = maxBin
        p.earlyStoppingRound = earlyStoppingRound
        p.validationFraction = validationFraction
        if let seed { p.seed(seed) }
        return p
    }

    /// The random forest's parameters.
    func forest() throws -> ForestParameters {
        if numTrees != nil && numIterations != nil && numTrees != numIterations {
            throw DataError(.usage, "--num-trees and --num-iterations disagree; give one")
        }
        var p = ForestParameters()
        p.numTrees = numTrees ?? numIterations ?? 100
        p.shape = TreeShape(numLeaves: try leaves(default: .max), maxDepth: maxDepth,
                            rule: SplitRule(minSumHessianInLeaf: minChildWeight ?? 0, minDataInLeaf: minDataInLeaf ?? 1,
                                            minGainToSplit: minGainToSplit))
        p.featureFraction = featureFraction
        p.baggingFraction = baggingFraction
        p.maxBin = maxBin
        p.seed = seed ?? 0
        return p
    }

    private func leaves(default value: Int) throws -> Int {
        guard let n = numLeaves else { return value }
        if n == -1 { return .max }
        guard n >= 2 else { throw DataError(.usage, "--num-leaves must be at least 2, or -1 for no limit") }
        return n
    }
}
