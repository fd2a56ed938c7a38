/// How well predicted probabilities match what happened: the predictions cut into `binCount`
/// equal ranges of probability ([0, 0.1), [0.1, 0.2), ..., [0.9, 1] for 10), and in each the
/// number of predictions, their mean, and the share of them whose label was 1. A calibrated
/// model's mean and share agree in every bin.
public struct CalibrationTable: Sendable, Codable, Equatable {
    public struct Bin: Sendable, Codable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// The mean predicted probability (0 in an empty bin).
        public var meanPredicted: Double
        /// The share of labels that are 1 (0 in an empty bin).
        public var observedRate: Double
    }

    public var bins: [Bin]

    public init(labels: [UInt8], probabilities: [Double], binCount: Int = 10) {
        precondition(labels.count == probabilities.count && binCount > 0)
        var count = [Int](repeating: 0, count: binCount)
        var predicted = [Double](repeating: 0, count: binCount), observed = [Double](repeating: 0, count: binCount)
        for (y, p) in zip(labels, probabilities) {
            let k = min(binCount - 1, max(0, Int(p * Double(binCount))))
            count[k] += 1
            predicted[k] += p
            observed[k] += Double(y)
        }
        bins = (0 ..< binCount).map { k in
            let n = Double(max(count[k], 1))
            return Bin(lower: Double(k) / Double(binCount), upper: Double(k + 1) / Double(binCount), count: count[k],
                       meanPredicted: predicted[k] / n, observedRate: observed[k] / n)
        }
    }
}
