import CineMeshData
import Foundation

/// Gradient boosting's settings, with LightGBM's names and defaults.
public struct BoostingParameters: Sendable, Codable, Equatable {
    /// `num_iterations`: trees to grow (fewer with early stopping).
    public var numIterations = 100
    /// `learning_rate`: each tree's leaf values are scaled by it.
    public var learningRate = 0.1
    /// `num_leaves`, `max_depth`, and the split rule (`lambda_l2`, `min_sum_hessian_in_leaf`,
    /// `min_data_in_leaf`, `min_gain_to_split`).
    public var shape = TreeShape()
    /// `bagging_fraction`, `bagging_freq`: every `baggingFreq` trees (0: never), draw anew the
    /// `baggingFraction` of the rows the next trees are grown on.
    public var baggingFraction = 1.0
    public var baggingFreq = 0
    public var baggingSeed: UInt64 = 3
    /// `feature_fraction`: each tree splits on this fraction of the features, drawn anew per tree.
    public var featureFraction = 1.0
    public var featureFractionSeed: UInt64 = 2
    /// `max_bin`.
    public var maxBin = 255
    /// `early_stopping_round`: with more than 0, stop when the validation rows' log loss has not
    /// improved for this many trees, and keep the trees up to the best.
    public var earlyStoppingRound = 0
    /// The share of the training rows held out as validation rows when early stopping.
    public var validationFraction = 0.1

    public init() {}

    /// Every seed from one, as LightGBM's `seed` sets them.
    public mutating func seed(_ seed: UInt64) {
        baggingSeed = seed &+ 3
        featureFractionSeed = seed &+ 2
    }
}

/// Gradient-boosted trees for a 0/1 label, LightGBM's `gbdt` with the `binary` objective: each
/// tree is fitted to the gradients (p - y) and hessians p (1 - p) of the log loss at the current
/// scores, its leaves are Newton steps -G / (H + lambda_l2) scaled by the learning rate, and the
/// scores start from the log-odds of the training rows' mean label (`boost_from_average`).
///
/// Deterministic: bagging draws from a stream seeded by `baggingSeed` and the features from one
/// seeded by `featureFractionSeed`, so the same rows and parameters give the same model.
///
/// Early stopping holds out validation rows from the training rows given (never other rows):
/// every row whose position k among them has floor((k + 1) f) > floor(k f), for f the validation
/// fraction, a systematic sample any other tool can reproduce (benchmarks/classify.sh does), so
/// both fit the same rows and stop on the same ones.
///
/// What a cluster version changes: the rows of each worker's shard make their own histograms,
/// merged in a fixed order on the coordinator (`GradientHistogram.merge`), which finds the split
/// and sends it back; the bins come from a sample of the rows, as here.
public enum GradientBoosting {
    /// The training rows split into those the trees are fitted on and the validation rows.
    public static func validationCut(_ rows: [Int32], fraction: Double) -> (fit: [Int32], validation: [Int32]) {
        var fit: [Int32] = [], validation: [Int32] = []
        for (k, r) in rows.enumerated() {
            if (Double(k + 1) * fraction).rounded(.down) > (Double(k) * fraction).rounded(.down) { validation.append(r) } else { fit.append(r) }
        }
        return (fit, validation)
    }

    /// Fits on the `rows` (ascending) of `values` (row-major, `width` features a row), whose
    /// labels are `labels[row]`. Throws on a non-finite feature value or a bad parameter.
    /// `threads` share out the gradients, the scores and large histograms; the model is the
    /// same bits for any number of them.
    public static func fit(values: [Float], width: Int, labels: [UInt8], rows: [Int32], parameters p: BoostingParameters,
                           threads: Int = 1) throws -> TreeEnsemble {
        guard p.numIterations >= 0, p.learningRate > 0, p.shape.numLeaves >= 2 else {
            throw DataError(.usage, "num_iterations must be 0 or more, learning_rate positive and num_leaves at least 2")
        }
        guard p.baggingFraction > 0, p.baggingFraction <= 1, p.featureFraction > 0, p.featureFraction <= 1 else {
            throw DataError(.usage, "bagging_fraction and feature_fraction must be in (0, 1]")
        }
        guard p.earlyStoppingRound <= 0 || (p.validationFraction > 0 && p.validationFraction < 1) else {
            throw DataError(.usage, "early stopping needs a validation fraction in (0, 1)")
        }
        let (fitRows, validationRows) = p.earlyStoppingRound > 0 ? validationCut(rows, fraction: p.validationFraction) : (rows, [])
        guard !fitRows.isEmpty else { throw DataError(.usage, "no training rows to fit") }
        let bins = try FeatureBins(values: values, width: width, rows: fitRows, maxBin: p.maxBin)
        let matrix = BinMatrix(values: values, rows: fitRows, bins: bins)
        let validation = BinMatrix(values: values, rows: validationRows, bins: bins)
        let y = fitRows.map { Double(labels[Int($0)]) }
        let n = fitRows.count
        let mean = min(max(y.reduce(0, +) / Double(n), 1e-15), 1 - 1e-15)
        let initScore = log(mean / (1 - mean))
        var scores = [Double](repeating: initScore, count: n)
        var validationScores = [Double](repeating: initScore, count: validationRows.count)
        var gradients = [Double](repeating: 0, count: n), hessians = [Double](repeating: 0, count: n)
        let grower = TreeGrower(matrix: matrix, bins: bins, shape: p.shape, threads: threads)
        let lanes = n >= 65_536 ? max(1, threads) : 1
        var baggingRandom = SeededRandom(seed: p.baggingSeed), featureRandom = SeededRandom(seed: p.featureFractionSeed)
        let bagging = p.baggingFreq > 0 && p.baggingFraction < 1
        let all = (0 ..< Int32(n)).map { $0 }
        var bag = all, inBag = [Bool](repeating: true, count: n)
        var features = [Bool](repeating: true, count: width), shuffled = Array(0 ..< width)
        let usedFeatures = max(1, Int((Double(width) * p.featureFraction).rounded()))
        var trees: [RegressionTree] = [], losses: [Double] = []
        var bestLoss = Double.infinity, bestCount = 0
        for iteration in 0 ..< p.numIterations {
            scores.withUnsafeBufferPointer { s in
                y.withUnsafeBufferPointer { y in
                    gradients.withUnsafeMutableBufferPointer { g in
                        hessians.withUnsafeMutableBufferPointer { h in
                            let b = UnsafeSendable((s: s, y: y, g: g, h: h))
                            inLanes(lanes) { lane in
                                for k in laneShare(lane, of: lanes, n) {
                                    let q = LogisticRegression.sigmoid(b.value.s[k])
                                    b.value.g[k] = q - b.value.y[k]
                                    b.value.h[k] = q * (1 - q)
                                }
                            }
                        }
                    }
                }
            }
            if bagging && iteration % p.baggingFreq == 0 {
                bag = sample(Int(p.baggingFraction * Double(n)), of: n, random: &baggingRandom)
                for k in 0 ..< n { inBag[k] = false }
                for r in bag { inBag[Int(r)] = true }
            }
            if usedFeatures < width {
                for j in 0 ..< usedFeatures { shuffled.swapAt(j, j + featureRandom.below(width - j)) }
                for f in 0 ..< width { features[f] = false }
                for j in 0 ..< usedFeatures { features[shuffled[j]] = true }
            }
            var tree = grower.grow(rows: bag, gradients: gradients, hessians: hessians, features: features, random: &featureRandom)
            // LightGBM's rule: a tree that cannot split ends the boosting.
            guard tree.leafCount > 1 else { break }
            tree.scale(by: p.learningRate)
            update(&scores, tree: tree, grower: grower, outOfBag: bagging ? inBag : nil, matrix: matrix, lanes: lanes)
            trees.append(tree)
            guard p.earlyStoppingRound > 0, !validationRows.isEmpty else { continue }
            for k in 0 ..< validationRows.count { validationScores[k] += tree.leafValue[tree.leaf(validation, row: k)] }
            let loss = TreeEnsemble.logLoss(labels: validationRows.lazy.map { labels[Int($0)] },
                                            probabilities: validationScores.lazy.map(LogisticRegression.sigmoid))
            losses.append(loss)
            if loss < bestLoss {
                bestLoss = loss
                bestCount = trees.count
            } else if trees.count - bestCount >= p.earlyStoppingRound {
                break
            }
        }
        if p.earlyStoppingRound > 0 && !validationRows.isEmpty { trees.removeLast(trees.count - bestCount) }
        return TreeEnsemble(kind: .boosting, bins: bins, initScore: initScore, trees: trees, validationLoss: losses)
    }

    /// Adds the tree's values to the rows' scores: a bagged row's leaf is known from the growth,
    /// another row (`outOfBag[row]` false) goes down the tree. Lanes take disjoint leaves.
    static func update(_ scores: inout [Double], tree: RegressionTree, grower: TreeGrower, outOfBag inBag: [Bool]?, matrix: BinMatrix,
                       lanes: Int) {
        let leaves = tree.leafCount, n = scores.count
        scores.withUnsafeMutableBufferPointer { s in
            grower.order.withUnsafeBufferPointer { order in
                let b = UnsafeSendable((s: s, order: order, begin: grower.begin, end: grower.end))
                inLanes(lanes) { lane in
                    for l in laneShare(lane, of: lanes, leaves) {
                        let v = tree.leafValue[l]
                        for k in b.value.begin[l] ..< b.value.end[l] { b.value.s[Int(b.value.order[k])] += v }
                    }
                }
                guard let inBag else { return }
                let c = UnsafeSendable(s)
                inLanes(lanes) { lane in
                    for k in laneShare(lane, of: lanes, n) where !inBag[k] { c.value[k] += tree.leafValue[tree.leaf(matrix, row: k)] }
                }
            }
        }
    }

    /// `count` of the numbers below `n`, each set of them equally likely, ascending (selection
    /// sampling, Knuth's algorithm S): exactly `count`, in one pass.
    static func sample(_ count: Int, of n: Int, random: inout SeededRandom) -> [Int32] {
        var chosen: [Int32] = []
        chosen.reserveCapacity(count)
        for k in 0 ..< n where chosen.count < count {
            if random.uniform() * Double(n - k) < Double(count - chosen.count) { chosen.append(Int32(k)) }
        }
        return chosen
    }
}
