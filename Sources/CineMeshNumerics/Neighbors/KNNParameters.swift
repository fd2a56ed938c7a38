/// How a neighbourhood model measures the likeness of two users (user-based) or two items
/// (item-based) over the ratings they share, with Surprise's names and formulas
/// (`surprise.similarities`). For item-based models x is an item and the shared ratings are those
/// of users who rated both; for user-based models x is a user.
///
/// - `cosine`: Σ r_a r_b / sqrt(Σ r_a² Σ r_b²);
/// - `msd`: 1 / (Σ (r_a - r_b)² / n + 1), n the number of shared ratings;
/// - `pearson`: the Pearson correlation of the shared ratings (0 when either side is constant);
/// - `pearson_baseline`: the correlation of the residuals r - (μ + b_u + b_i) around the baseline
///   (not around their means), shrunk by (n - 1) / (n - 1 + shrinkage).
///
/// Every rule gives 0 when fewer than `min_support` ratings are shared.
public enum NeighborSimilarity: String, Sendable, Codable, CaseIterable {
    case cosine, msd, pearson
    case pearsonBaseline = "pearson_baseline"

    /// Whether the sums are over residuals from the baseline rather than over ratings.
    public var usesBaseline: Bool { self == .pearsonBaseline }
}

/// How a neighbourhood model predicts from the k most similar neighbours that rated the target,
/// Surprise's three rules. For a target x (the item of an item-based model) and the other side y,
/// over the at most k neighbours x' of x with the largest positive similarity s among those y rated:
///
/// - `basic` (KNNBasic): Σ s r(y, x') / Σ s;
/// - `means` (KNNWithMeans): μ_x + Σ s (r(y, x') - μ_x') / Σ s, μ_x the mean rating of x;
/// - `baseline` (KNNBaseline): b(y, x) + Σ s (r(y, x') - b(y, x')) / Σ s, b the baseline
///   μ + b_u + b_i.
///
/// With fewer than `min_k` such neighbours, `basic` predicts the global mean and the other two
/// predict their first term. A user or item with no training ratings gets the global mean
/// (`basic`, `means`) or the baseline (`baseline`), as Surprise does.
public enum KNNRule: String, Sendable, Codable, CaseIterable {
    case basic, means, baseline
}

/// Hyper-parameters of a neighbourhood model with Surprise's meanings and names (`k`, `min_k`,
/// `sim_options`' `name`, `user_based`, `min_support` and `shrinkage`). The defaults are the
/// strongest of Surprise's neighbourhood rules on MovieLens: item-based KNNBaseline with
/// pearson_baseline, k 40, min_k 1, shrinkage 100; its baselines are Surprise's defaults too
/// (ALS, 10 epochs, reg_u 15, reg_i 10).
///
/// `neighbors` is CineMesh's own: how many neighbours are kept for each x, the most similar first
/// (0 keeps every neighbour with a positive similarity, which is what Surprise's full similarity
/// matrix amounts to, since only positive similarities ever count). A bounded list is what lets a
/// catalog of tens of thousands of items fit; the prediction then takes its k neighbours from the
/// kept ones.
public struct KNNParameters: Sendable, Codable, Equatable {
    public var userBased = false
    public var rule = KNNRule.baseline
    public var similarity = NeighborSimilarity.pearsonBaseline
    public var k = 40
    public var minK = 1
    public var minSupport = 1
    public var shrinkage = 100.0
    public var neighbors = 0
    /// The baselines of `pearson_baseline` and of the `baseline` rule.
    public var baseline = BaselineTrainer()

    public init() {}

    /// The most x's whose lists may be unbounded (`neighbors` 0): past it the lists could take
    /// x² entries, so a bound must be given.
    public static let unboundedLimit = 50_000

    /// Why these parameters cannot run over `count` x's, or nil when they can.
    public func refusal(count: Int) -> String? {
        guard neighbors == 0 && count > Self.unboundedLimit else { return nil }
        return "\(count) \(userBased ? "users" : "items") with every positive neighbour kept could take \(count)² list entries: give --neighbors N (e.g. 200)"
    }

    /// Whether the model needs the baselines b_u and b_i.
    public var needsBaselines: Bool { rule == .baseline || similarity.usesBaseline }
}
