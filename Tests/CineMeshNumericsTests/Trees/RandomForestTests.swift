import CineMeshData
@testable import CineMeshNumerics
import Testing

/// The random forest: probabilities averaged over bootstrapped trees, each tree its own stream.
@Suite struct RandomForestTests {
    @Test func learnsWhatNoLineSeparates() throws {
        let rows = TreeRows.xor(count: 4000, seed: 1)
        let train = rows.all.filter { $0 % 4 != 0 }, test = rows.all.filter { $0 % 4 == 0 }
        var p = ForestParameters()
        p.numTrees = 30
        p.featureFraction = 1
        let model = try RandomForest.fit(values: rows.values, width: 3, labels: rows.labels, rows: train, parameters: p)
        #expect(model.trees.count == 30)
        #expect(rows.accuracy(model, rows: test) > 0.95)
    }

    @Test func fullyGrownLeavesArePureShares() throws {
        // One feature that separates the labels: every leaf holds likes only or dislikes only.
        let values = (0 ..< 300).map { Float($0 % 30) }
        let labels = values.map { $0 >= 12 ? UInt8(1) : 0 }
        var p = ForestParameters()
        p.numTrees = 5
        let model = try RandomForest.fit(values: values, width: 1, labels: labels, rows: (0 ..< 300).map { $0 }, parameters: p)
        #expect(model.trees.allSatisfy { $0.leafValue.allSatisfy { $0 == 0 || $0 == 1 } })
        #expect(model.probability([3]) == 0 && model.probability([20]) == 1)
    }

    @Test func eachTreeIsItsOwnStream() throws {
        let rows = TreeRows(count: 2000, width: 6, seed: 2) { x, r in x[0] + x[3] + 0.5 * Float(r.uniform()) > 1.2 }
        var p = ForestParameters()
        p.numTrees = 3
        p.shape.numLeaves = 50
        let three = try RandomForest.fit(values: rows.values, width: 6, labels: rows.labels, rows: rows.all, parameters: p)
        p.numTrees = 5
        let five = try RandomForest.fit(values: rows.values, width: 6, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(Array(five.trees.prefix(3)) == three.trees)
        let threaded = try RandomForest.fit(values: rows.values, width: 6, labels: rows.labels, rows: rows.all, parameters: p, threads: 2)
        #expect(threaded == five)
        #expect(five.trees[3] != five.trees[4])
        p.seed = 1
        let other = try RandomForest.fit(values: rows.values, width: 6, labels: rows.labels, rows: rows.all, parameters: p)
        #expect(other.trees[0] != five.trees[0])
        #expect(p.featuresPerNode(of: 6) == 2 && p.featuresPerNode(of: 11) == 3)
    }
}
