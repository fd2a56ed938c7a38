import CineMeshData
@testable import CineMeshNumerics
import Foundation
import Testing

/// Gradient boosting: a stump computed by hand, seeds that fix the model, early stopping, and
/// the trees' limits.
@Suite struct GradientBoostingTests {
    @Test func aStumpByHand() throws {
        // x = 1 three times (labels 0, 0, 1), x = 2 three times (labels 1, 1, 1).
        let rows = TreeRows(values: [1, 1, 1, 2, 2, 2], labels: [0, 0, 1, 1, 1, 1], width: 1)
        var p = BoostingParameters()
        p.numIterations = 1
        p.learningRate = 0.5
        p.shape = TreeShape(numLeaves: 2, rule: SplitRule(lambdaL2: 1, minSumHessianInLeaf: 0, minDataInLeaf: 1))
        let model = try GradientBoosting.fit(values: rows.values, width: 1, labels: rows.labels, rows: rows.all, parameters: p)
        // Mean label 2/3: the start is log(2/3 / (1/3)) = log 2, every p = 2/3, hessians 2/9.
        #expect(abs(model.initScore - log(2)) < 1e-12)
        // Left (x = 1): G = 2/3 + 2/3 - 1/3 = 1, H = 2/3; right: G = -1, H = 2/3; parent G = 0.
        // Gain = 1 / (2/3 + 1) + 1 / (2/3 + 1) - 0 = 1.2; leaves -G / (H + 1) x 0.5 = -0.3, +0.3.
        let tree = try #require(model.trees.first)
        #expect(model.trees.count == 1 && tree.leafCount == 2)
        #expect(tree.splitFeature == [0] && tree.threshold == [1.5] && abs(tree.splitGain[0] - 1.2) < 1e-12)
        #expect(abs(tree.leafValue[0] + 0.3) < 1e-12 && abs(tree.leafValue[1] - 0.3) < 1e-12)
        #expect(abs(model.probability([1]) - 1 / (1 + exp(-(log(2) - 0.3)))) < 1e-12)
        #expect(abs(model.probability([2]) - 1 / (1 + exp(-(log(2) + 0.3)))) < 1e-12)
        let importance = model.importance()
        #expect(importance.splits == [1] && abs(importance.gain[0] - 1.2) < 1e-12)
    }

    @Test func learnsWhatNoLineSeparates() throws {
        let rows = TreeRows.xor(count: 4000, seed: 1)
        let train = rows.all.filter { $0 % 4 != 0 }, test = rows.all.filter { $0 % 4 == 0 }
        let model = try GradientBoosting.fit(values: rows.values, width: 3, labels: rows.labels, rows: train, parameters: BoostingParameters())
        #expect(model.trees.count == 100)
        #expect(rows.accuracy(model, rows: test) > 0.97)
        // The third feature is noise: the splits are on the first two.
        let importance = model.importance()
        #expect(importance.gain[2] < 0.05 * (importance.gain[0] + importance.gain[1]))
    }

    @Test func theSameSeedsGiveTheSameModel() throws {
        let rows = TreeRows(count: 3000, width: 5, seed: 2) { x, r in x[0] + x[1] * x[2] + 0.5 * Float(r.uniform()) > 1 }
        var p = BoostingParameters()
        p.numIterations = 20
        p.baggingFraction = 0.7
        p.baggingFreq = 2
        p.featureFraction = 0.6
        let a = try GradientBoosting.fit(values: rows.values, width: 5, labels: rows.labels, rows: rows.all, parameters: p)
        let b = try GradientBoosting.fit(values: rows.values, width: 5, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(a == b)
        p.seed(99)
        let c = try GradientBoosting.fit(values: rows.values, width: 5, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(a.trees != c.trees)
    }

    @Test func threadsDoNotChangeTheModel() throws {
        // Enough rows for the gradients, scores and histograms to be shared out.
        let rows = TreeRows(count: 80_000, width: 4, seed: 9) { x, r in x[0] * x[1] + 0.3 * Float(r.uniform()) > 0.4 }
        var p = BoostingParameters()
        p.numIterations = 4
        p.baggingFraction = 0.8
        p.baggingFreq = 1
        let one = try GradientBoosting.fit(values: rows.values, width: 4, labels: rows.labels, rows: rows.all, parameters: p, threads: 1)
        let three = try GradientBoosting.fit(values: rows.values, width: 4, labels: rows.labels, rows: rows.all, parameters: p, threads: 3)
        #expect(one == three && one.trees.count == 4)
    }

    @Test func earlyStoppingStopsAndKeepsTheBestTrees() throws {
        // Labels that are coin flips: the validation loss soon rises as the trees fit noise.
        let rows = TreeRows(count: 3000, width: 4, seed: 3) { _, r in r.uniform() < 0.5 }
        var p = BoostingParameters()
        p.numIterations = 200
        p.learningRate = 0.3
        p.earlyStoppingRound = 5
        let model = try GradientBoosting.fit(values: rows.values, width: 4, labels: rows.labels, rows: rows.all, parameters: p)
        let losses = model.validationLoss
        #expect(losses.count < 200)
        #expect(losses.count == model.trees.count + 5)
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(best + 1 == model.trees.count)
        // Without early stopping every tree is grown.
        p.earlyStoppingRound = 0
        let all = try GradientBoosting.fit(values: rows.values, width: 4, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(all.trees.count == 200 && all.validationLoss.isEmpty)
    }

    @Test func theValidationRowsAreASystematicSampleOfTheTrainingRows() {
        let rows = (0 ..< 100).map { Int32($0 * 3) }
        let (fit, validation) = GradientBoosting.validationCut(rows, fraction: 0.1)
        let every10th: [Int32] = (0 ..< 10).map { (k: Int) -> Int32 in Int32((10 * k + 9) * 3) }
        #expect(validation == every10th)
        #expect(fit.count == 90 && Set(fit).isDisjoint(with: validation))
    }

    @Test func treesKeepTheirLimits() throws {
        let rows = TreeRows.xor(count: 3000, seed: 4)
        var p = BoostingParameters()
        p.numIterations = 5
        p.shape.numLeaves = 7
        var model = try GradientBoosting.fit(values: rows.values, width: 3, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(model.trees.allSatisfy { $0.leafCount == 7 })
        p.shape.maxDepth = 1
        model = try GradientBoosting.fit(values: rows.values, width: 3, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(model.trees.allSatisfy { $0.leafCount == 2 })
        p.shape.maxDepth = -1
        p.shape.rule.minDataInLeaf = 1000
        model = try GradientBoosting.fit(values: rows.values, width: 3, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(model.trees.allSatisfy { $0.leafCount <= 3 })
    }

    @Test func aSmallHistogramPoolGrowsTheSameTree() throws {
        let rows = TreeRows.xor(count: 3000, seed: 6)
        let bins = try FeatureBins(values: rows.values, width: 3, rows: rows.all)
        let matrix = BinMatrix(values: rows.values, rows: rows.all, bins: bins)
        var noise = SeededRandom(seed: 8)
        let g = rows.labels.map { 0.5 - Double($0) + noise.uniform() }, h = (0 ..< rows.count).map { _ in 0.1 + noise.uniform() }
        let shape = TreeShape(numLeaves: 40, rule: SplitRule(minDataInLeaf: 5))
        var random = SeededRandom(seed: 1)
        let roomy = TreeGrower(matrix: matrix, bins: bins, shape: shape).grow(rows: rows.all, gradients: g, hessians: h, features: [true, true, true], random: &random)
        let tight = TreeGrower(matrix: matrix, bins: bins, shape: shape, poolBytes: 0).grow(rows: rows.all, gradients: g, hessians: h, features: [true, true, true], random: &random)
        #expect(roomy.leafCount == 40)
        #expect(roomy.splitFeature == tight.splitFeature && roomy.splitBin == tight.splitBin)
        #expect(zip(roomy.leafValue, tight.leafValue).allSatisfy { abs($0 - $1) < 1e-9 })
    }
}
