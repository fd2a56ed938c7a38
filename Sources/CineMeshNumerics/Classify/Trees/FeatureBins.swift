import CineMeshData

/// Each feature's bins, LightGBM's way: a tree splits a feature between two of its bins, so the
/// trees learn from a byte per value instead of a float, and a split search is a scan over at most
/// `maxBin` bins instead of a sort.
///
/// A feature's bins are given by their upper bounds, ascending, the last +infinity: a value goes
/// to the first bin whose bound it does not exceed (`value <= bound`). The bounds come from the
/// training rows (`GreedyFindBin` of LightGBM's bin.cpp):
///
/// - with at most `maxBin` distinct values, each value gets a bin of its own (bounds halfway
///   between neighbouring values), except that a bin is closed only once it holds
///   `minDataInBin` rows, so rare values share a bin with their next neighbour;
/// - with more, the bins are quantiles: a value at least as frequent as a bin's share of the
///   rows gets a bin of its own, and the others fill bins of about equal counts, in order.
///
/// A feature with one value has one bin, and no split. Bounds are computed from at most
/// `sampleLimit` rows (every k-th of the given rows, LightGBM's `bin_construct_sample_cnt`), so
/// ten million rows cost a sort of 200,000 values per feature.
///
/// Values must be finite: a NaN or an infinity in the training rows is refused (`init` throws),
/// as the features of `LikeFeatures` are always finite and a silent rule for missing values would
/// hide a bug upstream. LightGBM differs here: it learns a direction for missing values, and
/// gives zero a bin of its own (`zero_as_missing`, `FindBinWithZeroAsOneBin`); CineMesh does not.
public struct FeatureBins: Sendable, Codable, Equatable {
    /// Per feature, the bins' upper bounds, ascending, the last +infinity.
    public let upperBounds: [[Double]]

    public var featureCount: Int { upperBounds.count }

    /// Per feature, the first bin's index in a histogram of every feature's bins.
    public var offsets: [Int] {
        var offsets = [0]
        for bounds in upperBounds { offsets.append(offsets.last! + bounds.count) }
        return offsets
    }

    public init(upperBounds: [[Double]]) { self.upperBounds = upperBounds }

    /// The bins of the features of `rows` in `values` (row-major, `width` features a row).
    public init(values: [Float], width: Int, rows: [Int32], maxBin: Int = 255, minDataInBin: Int = 3,
                sampleLimit: Int = 200_000) throws {
        guard (2 ... 256).contains(maxBin) else { throw DataError(.usage, "max_bin must be between 2 and 256, not \(maxBin)") }
        let stride = max(1, (rows.count + sampleLimit - 1) / sampleLimit)
        var sample = [Float]()
        sample.reserveCapacity(rows.count / stride + 1)
        var bounds: [[Double]] = []
        for f in 0 ..< width {
            sample.removeAll(keepingCapacity: true)
            for k in Swift.stride(from: 0, to: rows.count, by: stride) {
                let v = values[Int(rows[k]) * width + f]
                guard v.isFinite else { throw DataError(.usage, "feature \(f) of row \(rows[k]) is \(v): trees take finite values only") }
                sample.append(v)
            }
            sample.sort()
            var distinct: [Double] = [], counts: [Int] = []
            for v in sample {
                if let last = distinct.last, last == Double(v) { counts[counts.count - 1] += 1 } else {
                    distinct.append(Double(v))
                    counts.append(1)
                }
            }
            bounds.append(Self.greedyBounds(distinct: distinct, counts: counts, maxBin: maxBin, minDataInBin: minDataInBin))
        }
        // The unsampled rows must be finite too.
        if stride > 1 {
            for r in rows {
                for f in 0 ..< width where !values[Int(r) * width + f].isFinite {
                    throw DataError(.usage, "feature \(f) of row \(r) is \(values[Int(r) * width + f]): trees take finite values only")
                }
            }
        }
        upperBounds = bounds
    }

    /// The bin of `value` in feature `feature`: the first whose upper bound is at least the value
    /// (a NaN, which no bound is at least, goes to the last bin).
    @inline(__always)
    public func bin(_ value: Float, feature: Int) -> UInt8 {
        upperBounds[feature].withUnsafeBufferPointer { UInt8(truncatingIfNeeded: Self.search(Double(value), in: $0)) }
    }

    /// The first index of `bounds` (ascending, the last +infinity) that is at least `x`; the
    /// last for a NaN.
    @inline(__always)
    static func search(_ x: Double, in bounds: UnsafeBufferPointer<Double>) -> Int {
        var low = 0, high = bounds.count - 1
        while low < high {
            let mid = (low + high) >> 1
            if x <= bounds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// LightGBM's `GreedyFindBin` on the sorted distinct values and their counts.
    static func greedyBounds(distinct: [Double], counts: [Int], maxBin: Int, minDataInBin: Int) -> [Double] {
        let n = distinct.count
        guard n > 1 else { return [.infinity] }
        var bounds: [Double] = []
        func close(_ bound: Double) { if bounds.last != bound { bounds.append(bound) } }
        if n <= maxBin {
            var inBin = 0
            for k in 0 ..< n - 1 {
                inBin += counts[k]
                if inBin >= minDataInBin {
                    close((distinct[k] + distinct[k + 1]) / 2)
                    inBin = 0
                }
            }
        } else {
            let total = counts.reduce(0, +)
            let maxBin = minDataInBin > 0 ? max(1, min(maxBin, total / minDataInBin)) : maxBin
            var meanBinSize = Double(total) / Double(maxBin)
            var restBins = maxBin, restCount = total
            let big = counts.map { Double($0) >= meanBinSize }
            for k in 0 ..< n where big[k] {
                restBins -= 1
                restCount -= counts[k]
            }
            meanBinSize = Double(restCount) / Double(max(restBins, 1))
            var upper: [Double] = [], lower: [Double] = [distinct[0]]
            var inBin = 0
            for k in 0 ..< n - 1 {
                if !big[k] { restCount -= counts[k] }
                inBin += counts[k]
                if big[k] || Double(inBin) >= meanBinSize || (big[k + 1] && Double(inBin) >= max(1, meanBinSize * 0.5)) {
                    upper.append(distinct[k])
                    lower.append(distinct[k + 1])
                    if upper.count >= maxBin - 1 { break }
                    inBin = 0
                    if !big[k] {
                        restBins -= 1
                        meanBinSize = Double(restCount) / Double(max(restBins, 1))
                    }
                }
            }
            for k in 0 ..< upper.count { close((upper[k] + lower[k + 1]) / 2) }
        }
        bounds.append(.infinity)
        return bounds
    }
}
