/// Count, sum, sum of squares, extremes and a histogram of a set of ratings, mergeable.
///
/// Sums are `Double` accumulated in rating order; merging adds fields, so a merge in a fixed
/// order (the grid's row-major block order) gives the same bits however the blocks were computed.
public struct RatingMoments: Codable, Sendable, Equatable {
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double
    /// Smallest and largest rating; nil when `count` is 0.
    public var min: Float?
    public var max: Float?
    /// Ratings per bin of `RatingBins`.
    public var histogram: [Int]

    public init(binCount: Int) {
        count = 0
        sum = 0
        sumOfSquares = 0
        min = nil
        max = nil
        histogram = Array(repeating: 0, count: binCount)
    }

    public init(ratings: [Float], bins: RatingBins) {
        self.init(binCount: bins.count)
        guard !ratings.isEmpty else { return }
        var s = 0.0, s2 = 0.0
        var lo = Float.infinity, hi = -Float.infinity
        histogram.withUnsafeMutableBufferPointer { h in
            ratings.withUnsafeBufferPointer { r in
                for x in r {
                    let d = Double(x)
                    s += d
                    s2 += d * d
                    lo = Swift.min(lo, x)
                    hi = Swift.max(hi, x)
                    h[bins.index(of: x)] += 1
                }
            }
        }
        count = ratings.count
        sum = s
        sumOfSquares = s2
        min = lo
        max = hi
    }

    /// Adds `other` into these moments (histograms must share their bins).
    public mutating func merge(_ other: RatingMoments) {
        precondition(histogram.count == other.histogram.count, "histograms over different bins")
        count += other.count
        sum += other.sum
        sumOfSquares += other.sumOfSquares
        if let m = other.min { min = min.map { Swift.min($0, m) } ?? m }
        if let m = other.max { max = max.map { Swift.max($0, m) } ?? m }
        for i in histogram.indices { histogram[i] += other.histogram[i] }
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// Population standard deviation.
    public var standardDeviation: Double? {
        guard count > 0, let m = mean else { return nil }
        return (Swift.max(0, sumOfSquares / Double(count) - m * m)).squareRoot()
    }
}
