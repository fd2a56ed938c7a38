/// Rows as bins (`FeatureBins`), a byte a value, column-major: feature `f` of row `r` is
/// `bins[f * rowCount + r]`. A histogram is built a feature at a time, so each feature's bins are
/// read in row order from one contiguous run.
public struct BinMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let featureCount: Int
    public private(set) var bins: [UInt8]

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
        self.bins = bins
    }

    /// Bin of feature `feature` of row `row`.
    @inline(__always)
    public func bin(row: Int, feature: Int) -> UInt8 { bins[feature * rowCount + row] }
}
