import CineMeshData
@testable import CineMeshNumerics
import Testing

/// Quantization: bins from the training rows, LightGBM's rules, and its edge cases.
@Suite struct FeatureBinsTests {
    @Test func aConstantFeatureHasOneBinAndNoSplit() throws {
        let values: [Float] = [7, 7, 7, 7, 7, 7]
        let bins = try FeatureBins(values: values, width: 1, rows: [0, 1, 2, 3, 4, 5])
        #expect(bins.upperBounds == [[.infinity]])
        let matrix = BinMatrix(values: values, rows: [0, 1, 2, 3, 4, 5], bins: bins)
        let h = GradientHistogram(rows: [0, 1, 2, 3, 4, 5], matrix: matrix, offsets: bins.offsets, gradients: [1, -1, 1, -1, 2, 3],
                                  hessians: [1, 1, 1, 1, 1, 1])
        #expect(h.bestSplit(total: LeafSums(gradient: 5, hessian: 6, count: 6), offsets: bins.offsets,
                            rule: SplitRule(minSumHessianInLeaf: 0, minDataInLeaf: 1), allowed: [true]) == nil)
    }

    @Test func fewDistinctValuesGetABinEachHalfwayBetween() throws {
        // Three distinct values, each 3 times (LightGBM's min_data_in_bin): a bin each.
        let values: [Float] = [2, 1, 4, 2, 1, 4, 2, 1, 4]
        let bins = try FeatureBins(values: values, width: 1, rows: Array(0 ..< 9))
        #expect(bins.upperBounds == [[1.5, 3, .infinity]])
        #expect(bins.bin(1, feature: 0) == 0 && bins.bin(1.5, feature: 0) == 0 && bins.bin(1.6, feature: 0) == 1)
        #expect(bins.bin(3, feature: 0) == 1 && bins.bin(4, feature: 0) == 2 && bins.bin(100, feature: 0) == 2 && bins.bin(-5, feature: 0) == 0)
        // A value seen once shares a bin with its upper neighbour until the bin holds 3 rows.
        let rare = try FeatureBins(values: [1, 2, 2, 2, 3, 3, 3], width: 1, rows: Array(0 ..< 7))
        #expect(rare.upperBounds == [[2.5, .infinity]])
    }

    @Test func manyDistinctValuesMakeQuantilesOfAboutEqualCounts() throws {
        let values = (0 ..< 10_000).map { Float(($0 * 7919) % 10_000) }
        let bins = try FeatureBins(values: values, width: 1, rows: (0 ..< 10_000).map { $0 }, maxBin: 16)
        let bounds = bins.upperBounds[0]
        #expect(bounds.count == 16 && bounds.last == .infinity)
        #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 })
        var counts = [Int](repeating: 0, count: 16)
        for v in values { counts[Int(bins.bin(v, feature: 0))] += 1 }
        #expect(counts.allSatisfy { abs($0 - 625) <= 2 }, "\(counts)")
        // A value as frequent as a bin's share gets a bin of its own.
        let heavy = (0 ..< 1000).map { $0 < 500 ? Float(0.5) : Float($0) }
        let b = try FeatureBins(values: heavy, width: 1, rows: (0 ..< 1000).map { $0 }, maxBin: 8)
        let own = b.bin(0.5, feature: 0)
        #expect(heavy.filter { b.bin($0, feature: 0) == own }.count == 500)
    }

    @Test func nonFiniteValuesAreRefused() {
        #expect(throws: DataError.self) { try FeatureBins(values: [1, .nan, 2], width: 1, rows: [0, 1, 2]) }
        #expect(throws: DataError.self) { try FeatureBins(values: [1, 2, 3, .infinity], width: 2, rows: [0, 1]) }
        // Only the rows given are read: a NaN elsewhere is no concern of these bins.
        #expect(throws: Never.self) { try FeatureBins(values: [1, .nan, 2], width: 1, rows: [0, 2]) }
        #expect(throws: DataError.self) { try FeatureBins(values: [1, 2], width: 1, rows: [0, 1], maxBin: 300) }
    }

    @Test func theMatrixIsKeptBothWaysInTheRowsOrder() throws {
        let values: [Float] = [1, 10, 2, 20, 3, 30, 1, 10, 2, 20, 3, 30, 1, 10, 2, 20, 3, 30]
        let bins = try FeatureBins(values: values, width: 2, rows: Array(0 ..< 9))
        let matrix = BinMatrix(values: values, rows: [2, 0, 1], bins: bins)
        #expect(matrix.rowCount == 3 && matrix.bins == [2, 0, 1, 2, 0, 1] && matrix.rowBins == [2, 2, 0, 0, 1, 1])
    }
}
