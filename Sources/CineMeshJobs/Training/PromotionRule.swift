import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshStore

/// `--promote-if-better METRIC[:TOLERANCE]` (job parameter `promote_if_better`): publish a newly
/// trained model only when its held-out METRIC is no worse than the serving model's, scored on
/// the same held-out ratings (the new run's), by more than TOLERANCE (default 0; a negative
/// tolerance demands an improvement of at least its size). The serving model is the newest
/// published version of the model's name in the store the run publishes to.
public struct PromotionRule: Sendable, Equatable, CustomStringConvertible {
    public let metric: String
    public let tolerance: Double

    /// `rmse` or `mae` (lower is better), or `auc`, `f1`, `precision@K`, `recall@K`, `ndcg@K`,
    /// `map@K` (higher is better).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let metric = parts[0].lowercased()
        let ranked = ["precision@", "recall@", "ndcg@", "map@"].contains { prefix in
            metric.hasPrefix(prefix) && Int(metric.dropFirst(prefix.count)).map { $0 >= 1 } == true
        }
        guard ["rmse", "mae", "auc", "f1"].contains(metric) || ranked else { return nil }
        let tolerance = parts.count == 2 ? Double(parts[1]) : 0
        guard let tolerance, tolerance.isFinite else { return nil }
        self.metric = metric
        self.tolerance = tolerance
    }

    public var lowerIsBetter: Bool { metric == "rmse" || metric == "mae" }

    public var description: String { tolerance == 0 ? metric : "\(metric):\(tolerance)" }

    /// Whether `candidate` is no worse than `serving` within the tolerance.
    public func accepts(candidate: Double, serving: Double) -> Bool {
        lowerIsBetter ? candidate <= serving + tolerance : candidate >= serving - tolerance
    }

    /// The decision for a candidate whose held-out metrics are `candidate`, against the newest
    /// model named `name` in `store` (if any), scored by `score` on the same held-out ratings
    /// after being aligned to the candidate's id maps.
    public func decide(candidate: [String: Double], name: String, store: ModelStore, users: IdMap, items: IdMap,
                       score: (BiasedFactorModel) -> [String: Double]) throws -> PromotionDecision {
        guard let value = candidate[metric] else {
            throw JobError("promote-if-better: this run reports no '\(metric)' (it reports \(candidate.keys.sorted().joined(separator: ", ")))")
        }
        var decision = PromotionDecision(rule: description, metric: metric, tolerance: tolerance, candidate: value, serving: nil,
                                          servingVersion: nil, promoted: true)
        guard let record = try store.latest(name: name) else { return decision }
        let (_, serving) = try store.load(version: record.version)
        guard let servingValue = score(serving.model(alignedTo: users, items: items))[metric] else {
            throw JobError("promote-if-better: the serving model (version \(record.version)) could not be scored on '\(metric)'")
        }
        decision.serving = servingValue
        decision.servingVersion = record.version
        decision.promoted = accepts(candidate: value, serving: servingValue)
        return decision
    }
}

/// What `--promote-if-better` decided, kept in the train job's result (and printed).
public struct PromotionDecision: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The rule as given (`rmse:0.001`).
    public var rule: String
    public var metric: String
    public var tolerance: Double
    /// The new model's held-out value.
    public var candidate: Double
    /// The serving model's value on the same held-out ratings; nil when nothing was serving.
    public var serving: Double?
    public var servingVersion: Int?
    public var promoted: Bool

    public var description: String {
        let against = serving.map { String(format: "serving model (version %d) %.6f", servingVersion ?? 0, $0) } ?? "no serving model"
        return "promote-if-better \(rule): new model \(metric) \(String(format: "%.6f", candidate)), \(against), tolerance \(tolerance): "
            + (promoted ? "promoted" : "not promoted, the serving model stays")
    }
}
