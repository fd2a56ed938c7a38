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
        add(rows: rows, matrix: matrix, offsets: offsets, gradients: gradients, hessians: hessians)
    }

    /// Adds `rows`: distinct row numbers of `matrix`, ascending (as a tree's leaves keep
    /// them), so that each bin's sums are added in row order.
    public mutating func add(rows: [Int32], matrix: BinMatrix, offsets: [Int], gradients: [Double], hessians: [Double]) {
        rows.withUnsafeBufferPointer { r in
            gradients.withUnsafeBufferPointer { g in
                hessians.withUnsafeBufferPointer { h in
                    add(rows: r, matrix: matrix, offsets: offsets, gradients: g, hessians: h, features: 0 ..< matrix.featureCount)
                }
            }
        }
    }

    /// Adds `rows` (distinct, ascending) for `features` only. All the matrix's rows are summed
    /// a feature at a time from its columns; some of them a row at a time from its rows (a row's
    /// bins are one cache line). Either way each bin adds its rows in row order, so the sums are
    /// the same bits. With `lanes` above 1 the features are shared out among that many threads,
    /// which changes no bin's order either.
    mutating func add(rows: UnsafeBufferPointer<Int32>, matrix: BinMatrix, offsets: [Int], gradients: UnsafeBufferPointer<Double>,
                      hessians: UnsafeBufferPointer<Double>, features: Range<Int>, lanes: Int = 1) {
        let n = rows.count, rowCount = matrix.rowCount, width = matrix.featureCount, first = features.lowerBound, count = features.count
        let lanes = max(1, min(lanes, count))
        // Every row of the matrix, ascending, is the rows 0 ..< n.
        let identity = n == rowCount
        matrix.bins.withUnsafeBufferPointer { bins in
            matrix.rowBins.withUnsafeBufferPointer { rowBins in
                offsets.withUnsafeBufferPointer { offsets in
                    sums.withUnsafeMutableBufferPointer { out in
                        let all = UnsafeSendable((bins: bins, rowBins: rowBins, offsets: offsets, out: out, rows: rows, gradients: gradients,
                                                  hessians: hessians))
                        inLanes(lanes) { lane in
                            let b = all.value, share = laneShare(lane, of: lanes, count)
                            let mine = first + share.lowerBound ..< first + share.upperBound
                            if identity {
                                for f in mine {
                                    Self.accumulate(column: b.bins.baseAddress! + f * rowCount, gradients: b.gradients, hessians: b.hessians,
                                                    count: n, into: b.out.baseAddress! + 3 * b.offsets[f])
                                }
                            } else {
                                Self.accumulate(rowBins: b.rowBins.baseAddress!, width: width, features: mine, offsets: b.offsets.baseAddress!,
                                                rows: b.rows, gradients: b.gradients, hessians: b.hessians, into: b.out.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The inner loop for some rows: each row's bins of `features`, with its gradient and
    /// hessian, summed into those features' bins.
    @inline(__always)
    static func accumulate(rowBins: UnsafePointer<UInt8>, width: Int, features: Range<Int>, offsets: UnsafePointer<Int>,
                           rows: UnsafeBufferPointer<Int32>, gradients: UnsafeBufferPointer<Double>, hessians: UnsafeBufferPointer<Double>,
                           into out: UnsafeMutablePointer<Double>) {
        for k in 0 ..< rows.count {
            let r = Int(rows[k]), g = gradients[r], h = hessians[r], row = rowBins + r * width
            for f in features {
                let b = 3 * (offsets[f] + Int(row[f]))
                out[b] += g
                out[b + 1] += h
                out[b + 2] += 1
            }
        }
    }

    /// The inner loop for every row of the matrix: one feature's column with the gradients and
    /// hessians in row order.
    @inline(__always)
    static func accumulate(column: UnsafePointer<UInt8>, gradients: UnsafeBufferPointer<Double>, hessians: UnsafeBufferPointer<Double>,
                           count: Int, into out: UnsafeMutablePointer<Double>) {
        for k in 0 ..< count {
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
