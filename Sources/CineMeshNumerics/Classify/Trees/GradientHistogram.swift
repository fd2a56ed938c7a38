import CineMeshData

/// A set of rows summed by bin: for every feature and every bin of it, the sum of the rows'
/// gradients, the sum of their hessians, and how many rows there are, in one contiguous buffer
/// (bin `b` of the histogram at `sums[3 b]`, `3 b + 1`, `3 b + 2`; feature `f`'s bins start at
/// `FeatureBins.offsets[f]`). A split search reads nothing else (`bestSplit`), as in LightGBM,
/// where building histograms is apart from finding splits.
///
/// Histograms of disjoint row sets add (`merge`): a cluster version sums each worker's shard and
/// merges the partials in a fixed order, so the tree is the same bits for any worker count. And
/// a parent's histogram minus one child's is the other child's (`subtract`): a split builds the
/// smaller child's from its rows and gets the larger one's for the price of a subtraction.
/// Counts are kept exactly (LightGBM 4 estimates them from the hessians).
public struct GradientHistogram: Sendable, Equatable {
    /// Bins over all features.
    public let binCount: Int
    public internal(set) var sums: [Double]

    public init(binCount: Int) {
        self.binCount = binCount
        sums = [Double](repeating: 0, count: 3 * binCount)
    }

    /// The histogram of `rows` (row numbers of `matrix`) with the given per-row gradients and
    /// hessians (indexed by the same row numbers).
    public init(rows: [Int32], matrix: BinMatrix, offsets: [Int], gradients: [Double], hessians: [Double]) {
        self.init(binCount: offsets.last!)
        var scratch: [Double] = []
        add(rows: rows, matrix: matrix, offsets: offsets, gradients: gradients, hessians: hessians, scratch: &scratch)
    }

    /// Adds `rows`: distinct row numbers of `matrix`, ascending (as a tree's leaves keep
    /// them), so that each bin's sums are added in row order. `scratch` is working space, grown
    /// as needed and kept by the caller between calls, so building a histogram allocates nothing
    /// once it is large enough.
    public mutating func add(rows: [Int32], matrix: BinMatrix, offsets: [Int], gradients: [Double], hessians: [Double],
                             scratch: inout [Double]) {
        rows.withUnsafeBufferPointer { r in
            gradients.withUnsafeBufferPointer { g in
                hessians.withUnsafeBufferPointer { h in
                    add(rows: r, matrix: matrix, offsets: offsets, gradients: g, hessians: h, features: 0 ..< matrix.featureCount, scratch: &scratch)
                }
            }
        }
    }

    /// Adds `rows` (distinct, ascending) for `features` only. The rows' gradients and hessians are first gathered
    /// into `scratch` in the rows' order, so the loop over each feature reads them in sequence,
    /// and the bins in ascending row order when the rows are ascending. With `lanes` above 1 the
    /// features are shared out among that many threads: each feature's sums are added in the
    /// same order whatever the lanes, so the histogram is the same bits.
    mutating func add(rows: UnsafeBufferPointer<Int32>, matrix: BinMatrix, offsets: [Int], gradients: UnsafeBufferPointer<Double>,
                      hessians: UnsafeBufferPointer<Double>, features: Range<Int>, lanes: Int = 1, scratch: inout [Double]) {
        let n = rows.count
        let lanes = max(1, min(lanes, features.count))
        let rowCount = matrix.rowCount, first = features.lowerBound, count = features.count
        // Every row of the matrix, ascending, is the rows 0 ..< n: no gathering, no indirection.
        if n == rowCount {
            matrix.bins.withUnsafeBufferPointer { bins in
                sums.withUnsafeMutableBufferPointer { out in
                    let all = UnsafeSendable((bins: bins, out: out, gradients: UnsafeBufferPointer(rebasing: gradients[..<n]),
                                              hessians: UnsafeBufferPointer(rebasing: hessians[..<n])))
                    inLanes(lanes) { lane in
                        let b = all.value
                        for j in laneShare(lane, of: lanes, count) {
                            let f = first + j
                            Self.accumulate(column: b.bins.baseAddress! + f * rowCount, gradients: b.gradients, hessians: b.hessians,
                                            into: b.out.baseAddress! + 3 * offsets[f])
                        }
                    }
                }
            }
            return
        }
        if scratch.count < 2 * n { scratch = [Double](repeating: 0, count: 2 * n) }
        scratch.withUnsafeMutableBufferPointer { s in
            let shared = UnsafeSendable((rows: rows, gathered: s, gradients: gradients, hessians: hessians))
            inLanes(lanes) { lane in
                let b = shared.value
                for k in laneShare(lane, of: lanes, n) {
                    let r = Int(b.rows[k])
                    b.gathered[2 * k] = b.gradients[r]
                    b.gathered[2 * k + 1] = b.hessians[r]
                }
            }
            matrix.bins.withUnsafeBufferPointer { bins in
                sums.withUnsafeMutableBufferPointer { out in
                    let all = UnsafeSendable((bins: bins, out: out, gathered: UnsafeBufferPointer(s), rows: rows))
                    inLanes(lanes) { lane in
                        let b = all.value
                        for j in laneShare(lane, of: lanes, count) {
                            let f = first + j
                            Self.accumulate(column: b.bins.baseAddress! + f * rowCount, rows: b.rows, gathered: b.gathered,
                                            into: b.out.baseAddress! + 3 * offsets[f])
                        }
                    }
                }
            }
        }
    }

    /// The inner loop: one feature's bins of `rows`, with their gathered (gradient, hessian)
    /// pairs, summed into that feature's part of the histogram.
    @inline(__always)
    static func accumulate(column: UnsafePointer<UInt8>, rows: UnsafeBufferPointer<Int32>, gathered: UnsafeBufferPointer<Double>,
                           into out: UnsafeMutablePointer<Double>) {
        for k in 0 ..< rows.count {
            let b = 3 * Int(column[Int(rows[k])])
            out[b] += gathered[2 * k]
            out[b + 1] += gathered[2 * k + 1]
            out[b + 2] += 1
        }
    }

    /// The inner loop for every row of the matrix: one feature's column with the gradients and
    /// hessians in row order.
    @inline(__always)
    static func accumulate(column: UnsafePointer<UInt8>, gradients: UnsafeBufferPointer<Double>, hessians: UnsafeBufferPointer<Double>,
                           into out: UnsafeMutablePointer<Double>) {
        for k in 0 ..< gradients.count {
            let b = 3 * Int(column[k])
            out[b] += gradients[k]
            out[b + 1] += hessians[k]
            out[b + 2] += 1
        }
    }

    /// Adds another histogram of the same bins (another set of rows).
    public mutating func merge(_ other: GradientHistogram) {
        precondition(other.binCount == binCount)
        other.sums.withUnsafeBufferPointer { o in
            sums.withUnsafeMutableBufferPointer { s in for k in 0 ..< s.count { s[k] += o[k] } }
        }
    }

    /// Takes away a histogram of some of these rows: a parent's minus one child's is the other
    /// child's (to rounding in the sums; the counts are exact).
    public mutating func subtract(_ other: GradientHistogram) {
        precondition(other.binCount == binCount)
        other.sums.withUnsafeBufferPointer { o in
            sums.withUnsafeMutableBufferPointer { s in for k in 0 ..< s.count { s[k] -= o[k] } }
        }
    }

    /// Sets every sum to 0, keeping the storage.
    public mutating func clear() {
        sums.withUnsafeMutableBufferPointer { s in s.update(repeating: 0) }
    }

    /// Bin `bin`'s (gradient sum, hessian sum, row count).
    public func bin(_ bin: Int) -> (gradient: Double, hessian: Double, count: Double) {
        (sums[3 * bin], sums[3 * bin + 1], sums[3 * bin + 2])
    }
}
