/// "Will like" as a classifier from predicted ratings: a rating at or above `threshold` is a
/// positive, and so is a prediction at or above it. Formulas in docs/METRICS.md.
public struct LikeClassification: Sendable, Equatable {
    public var count: Int
    public var positives: Int
    /// Probability that a random positive gets a higher prediction than a random negative, ties
    /// counting one half (Mann-Whitney U / (positives x negatives)); 0.5 when either class is empty.
    public var auc: Double
    public var accuracy: Double
    /// True positives / predicted positives (0 when nothing is predicted positive).
    public var precision: Double
    /// True positives / positives (0 when there are no positives).
    public var recall: Double
    /// Harmonic mean of precision and recall (0 when both are 0).
    public var f1: Double

    public init(ratings: [Float], predictions: [Float], threshold: Float = 4) {
        precondition(ratings.count == predictions.count)
        let n = ratings.count
        var tp = 0, fp = 0, tn = 0, fn = 0
        for k in 0 ..< n {
            let actual = ratings[k] >= threshold, predicted = predictions[k] >= threshold
            switch (actual, predicted) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
        }
        count = n
        positives = tp + fn
        accuracy = n > 0 ? Double(tp + tn) / Double(n) : 0
        precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        auc = Self.auc(ratings: ratings, predictions: predictions, threshold: threshold, positives: tp + fn)
    }

    /// Mann-Whitney: sum of the positives' average ranks among all predictions, in O(n log n).
    static func auc(ratings: [Float], predictions: [Float], threshold: Float, positives: Int) -> Double {
        let n = ratings.count, negatives = n - positives
        guard positives > 0 && negatives > 0 else { return 0.5 }
        let order = (0 ..< n).sorted { predictions[$0] < predictions[$1] }
        var rankSum = 0.0
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && predictions[order[end]] == predictions[order[start]] { end += 1 }
            let averageRank = Double(start + 1 + end) / 2   // ranks start + 1 ... end, 1-based
            for j in start ..< end where ratings[order[j]] >= threshold { rankSum += averageRank }
            start = end
        }
        let u = rankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }
}
