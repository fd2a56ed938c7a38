/// Parameters of `cinemesh generate`. Every output is a pure function of these values.
public struct GeneratorConfig: Sendable, Codable, Equatable {
    /// Total ratings (exact).
    public var ratings: Int
    public var users: Int
    public var items: Int
    /// Rank of the planted factor model.
    public var factors = 8
    public var seed: UInt64 = 42
    /// Std. dev. of the Gaussian noise added to the planted score.
    public var noise = 0.5
    /// Ratings are rounded to multiples of this step from 1 (0: keep continuous values).
    public var step = 1.0
    public var globalMean = 3.55
    public var userBiasStd = 0.35
    public var itemBiasStd = 0.45
    /// Std. dev. of the planted interaction p_u . q_i.
    public var interactionStd = 0.6
    /// Zipf exponent of item popularity (0: uniform).
    public var popularityExponent = 0.9
    /// Pareto shape of user activity (smaller: heavier tail).
    public var activityShape = 1.4
    public var minRatingsPerUser = 5
    /// Timestamps fall between Jan 1 of `firstYear` and Dec 31 of `lastYear`.
    public var firstYear = 2015
    public var lastYear = 2024

    public var scale: RatingScale { RatingScale(min: 1, max: 5, step: step > 0 ? step : nil) }

    /// Defaults scaled from the rating count: 100 ratings per user and 500 per item at scale (10M
    /// ratings gives 100k users x 20k items, like the benchmarks), MovieLens-100K-like shapes for
    /// small data (100k ratings: 1,000 users x 1,666 items), and never denser than a quarter of
    /// the items per user on average.
    public init(ratings: Int, users: Int? = nil, items: Int? = nil) {
        self.ratings = ratings
        let u = users ?? max(20, ratings / 100)
        self.users = u
        self.items = items ?? max(ratings / 500, min(ratings / 60, 2000), 4 * ratings / u, 20)
    }

    /// A readable reason when the combination cannot be generated.
    public func validate() throws {
        func fail(_ m: String) -> DataError { DataError(.usage, m) }
        guard ratings >= 1, ratings <= 2_000_000_000 else { throw fail("--ratings must be between 1 and 2e9") }
        guard users >= 1, items >= 2, users < Int(UInt32.max), items < Int(UInt32.max) else { throw fail("--users and --items must be positive") }
        guard factors >= 1, factors <= 1024 else { throw fail("--factors must be between 1 and 1024") }
        guard noise >= 0, step >= 0, step <= 4 else { throw fail("--noise and --step must be >= 0 (step <= 4)") }
        guard firstYear <= lastYear, firstYear >= 1970 else { throw fail("--years must be an increasing range from 1970") }
        let capacity = Double(users) * Double(items / 2)
        guard Double(ratings) <= capacity else {
            throw fail("\(ratings) ratings cannot fit: \(users) users may rate at most half of \(items) items each (\(Int(capacity)) ratings); add users or items")
        }
    }
}
