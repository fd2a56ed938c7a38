/// Rows as bins (`FeatureBins`), a byte a value, kept both ways:
///
/// - column-major (`bins`: feature `f` of row `r` at `f * rowCount + r`), for a histogram of
///   every row, built a feature at a time, each column and the gradients read in sequence;
/// - row-major (`rowBins`: at `r * featureCount + f`), for a histogram of some of the rows (a
///   leaf's, scattered over the matrix), the partition of a leaf and the walk down a tree: a
///   row's bins are one cache line instead of one per feature. On 8 million training rows,
///   where a column no longer fits in cache, the gbdt fit went from 140 s (columns only) to 77 s
///   (2 threads on a loaded machine; docs/BENCHMARKS.md).
///
/// Both are a byte a row and feature: small beside the features themselves (four bytes each)
/// and the gradients (sixteen bytes a row).
public struct BinMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let featureCount: Int
    public private(set) var bins: [UInt8]
    public private(set) var rowBins: [UInt8]

    /// The bins of `rows` of `values` (row-major, `bins.featureCount` features a row), in the
    /// order given: row `k` of the matrix is `rows[k]`.
    public init(values: [Float], rows: [Int32], bins featureBins: FeatureBins) {
        let width = featureBins.featureCount
        rowCount = rows.count
        featureCount = width
        var bins = [UInt8](repeating: 0, count: rows.count * width)
        bins.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { v in
                for f in 0 ..< width {
                    let bounds = featureBins.upperBounds[f]
                    bounds.withUnsafeBufferPointer { b in
                        let column = f * rows.count
                        for k in 0 ..< rows.count {
                            out[column + k] = UInt8(truncatingIfNeeded: FeatureBins.search(Double(v[Int(rows[k]) * width + f]), in: b))
                        }
                    }
                }
            }
        }
        var rowBins = [UInt8](repeating: 0, count: rows.count * width)
        for f in 0 ..< width {
            for k in 0 ..< rows.count { rowBins[k * width + f] = bins[f * rows.count + k] }
        }
        self.bins = bins
        self.rowBins = rowBins
    }

    /// Bin of feature `feature` of row `row`.
    @inline(__always)
    public func bin(row: Int, feature: Int) -> UInt8 { rowBins[row * featureCount + feature] }
}
