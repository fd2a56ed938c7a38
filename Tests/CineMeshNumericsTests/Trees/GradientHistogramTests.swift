import CineMeshData
@testable import CineMeshNumerics
import Testing

/// Histograms: parts merge to the whole, a parent minus a child is the sibling, and the split
/// search finds what a brute-force search over every threshold finds.
@Suite struct GradientHistogramTests {
    let rows = TreeRows(count: 2000, width: 4, seed: 11) { x, r in x[0] + 0.3 * Float(r.uniform()) > 0.6 }

    func setup() throws -> (FeatureBins, BinMatrix, [Double], [Double]) {
        let bins = try FeatureBins(values: rows.values, width: rows.width, rows: rows.all, maxBin: 32)
        let matrix = BinMatrix(values: rows.values, rows: rows.all, bins: bins)
        var random = SeededRandom(seed: 5)
        let g = (0 ..< rows.count).map { _ in random.uniform() - 0.5 }
        let h = (0 ..< rows.count).map { _ in 0.1 + random.uniform() }
        return (bins, matrix, g, h)
    }

    func close(_ a: GradientHistogram, _ b: GradientHistogram) -> Bool {
        zip(a.sums, b.sums).allSatisfy { abs($0 - $1) <= 1e-9 }
    }

    @Test func twoHalvesMergeToTheWhole() throws {
        let (bins, matrix, g, h) = try setup()
        let all = rows.all, odd = all.filter { $0 % 2 == 1 }, even = all.filter { $0 % 2 == 0 }
        let whole = GradientHistogram(rows: all, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h)
        var merged = GradientHistogram(rows: odd, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h)
        merged.merge(GradientHistogram(rows: even, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h))
        #expect(close(merged, whole))
        // Counts are exact, and every feature's bins hold every row once.
        for f in 0 ..< rows.width {
            let n = (bins.offsets[f] ..< bins.offsets[f + 1]).reduce(0.0) { $0 + merged.bin($1).count }
            #expect(n == Double(rows.count))
        }
        // A histogram sees the rows it is given and no others.
        #expect(!close(GradientHistogram(rows: odd, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h), whole))
    }

    @Test func parentMinusChildIsTheSibling() throws {
        let (bins, matrix, g, h) = try setup()
        let left = rows.all.filter { matrix.bin(row: Int($0), feature: 1) <= 10 }, right = rows.all.filter { matrix.bin(row: Int($0), feature: 1) > 10 }
        var parent = GradientHistogram(rows: rows.all, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h)
        parent.subtract(GradientHistogram(rows: left, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h))
        #expect(close(parent, GradientHistogram(rows: right, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h)))
    }

    @Test func theSplitSearchMatchesBruteForce() throws {
        let (bins, matrix, g, h) = try setup()
        let rule = SplitRule(lambdaL2: 0.5, minSumHessianInLeaf: 1, minDataInLeaf: 30)
        let hist = GradientHistogram(rows: rows.all, matrix: matrix, offsets: bins.offsets, gradients: g, hessians: h)
        let total = LeafSums(gradient: g.reduce(0, +), hessian: h.reduce(0, +), count: Double(rows.count))
        let allowed = [true, true, false, true]
        let found = try #require(hist.bestSplit(total: total, offsets: bins.offsets, rule: rule, allowed: allowed))
        var best: (gain: Double, feature: Int, bin: Int) = (0, -1, -1)
        for f in 0 ..< rows.width where allowed[f] {
            for t in 0 ..< bins.upperBounds[f].count - 1 {
                var gl = 0.0, hl = 0.0, nl = 0
                for r in 0 ..< rows.count where matrix.bin(row: r, feature: f) <= t { gl += g[r]; hl += h[r]; nl += 1 }
                let gr = total.gradient - gl, hr = total.hessian - hl
                guard nl >= 30, rows.count - nl >= 30, hl >= 1, hr >= 1 else { continue }
                let gain = gl * gl / (hl + 0.5) + gr * gr / (hr + 0.5) - total.gradient * total.gradient / (total.hessian + 0.5)
                if gain > best.gain + 1e-12 { best = (gain, f, t) }
            }
        }
        #expect(found.feature == best.feature && found.bin == best.bin && abs(found.gain - best.gain) < 1e-9)
        #expect(found.left.count + found.right.count == Double(rows.count))
        // A minimum gain above the best leaves nothing to split.
        var strict = rule
        strict.minGainToSplit = best.gain + 1e-6
        #expect(hist.bestSplit(total: total, offsets: bins.offsets, rule: strict, allowed: allowed) == nil)
    }
}
