import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generated ratings with their catalog and the truth that produced them.
public struct GeneratedData: Sendable {
    public var columns: RatingColumns
    public var catalog: ColumnTable
    public var truth: GroundTruth
    public var config: GeneratorConfig
}

/// Synthetic rating data with known structure, deterministic from the seed at any scale
/// (10^4 to 10^8+ ratings):
/// - user activity follows a Pareto law and item popularity a Zipf law (a few blockbusters and
///   heavy raters, a long tail);
/// - ratings come from a planted biased factor model plus Gaussian noise, rounded and clipped;
/// - timestamps have a weekday pattern (weekends busier) and an evening peak;
/// - the catalog has titles, release years, 1-3 genres aligned with the item factors, and countries.
/// Users are processed in chunks of 2048, each with its own random stream, so the output does not
/// depend on how many threads ran.
public struct RatingGenerator {
    public let config: GeneratorConfig

    public init(config: GeneratorConfig) { self.config = config }

    static let genres = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
                         "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
    static let genreWeights: [Double] = [1.2, 0.8, 0.4, 0.4, 1.6, 0.7, 0.4, 2.0, 0.5, 0.1, 0.6, 0.2, 0.4, 0.9, 0.5, 1.0, 0.2, 0.15]
    static let countries = ["United States", "United Kingdom", "India", "France", "Japan", "South Korea", "Canada", "Spain",
                            "Germany", "Mexico", "Italy", "Brazil", "Australia", "China", "Nigeria", "Sweden", "Argentina",
                            "Denmark", "Egypt", "Turkey"]
    static let countryWeights: [Double] = [40, 9, 8, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1]
    static let hourWeights: [Double] = [3, 2, 1, 0.6, 0.4, 0.4, 0.8, 1.5, 2, 2.5, 3, 3.5, 4.5, 4.5, 4, 4, 5, 6, 8, 10, 12, 12, 9, 5]
    /// Acceptance by weekday, Sunday first.
    static let weekdayAcceptance: [Double] = [0.95, 0.7, 0.7, 0.75, 0.8, 0.9, 1.0]
    static let adjectives = ["Silent", "Crimson", "Last", "Hidden", "Golden", "Broken", "Midnight", "Distant", "Frozen", "Electric",
                             "Lost", "Secret", "Wild", "Burning", "Quiet", "Endless", "Hollow", "Bright", "Savage", "Gentle",
                             "Iron", "Paper", "Velvet", "Neon", "Northern", "Little", "Dark", "Final", "Sweet", "Restless"]
    static let nouns = ["River", "Empire", "Garden", "Stranger", "Harbor", "Promise", "Kingdom", "Signal", "Winter", "Horizon",
                        "Machine", "Orchard", "Letter", "Shadow", "Voyage", "Island", "Summer", "Witness", "Carnival", "Frontier",
                        "Lighthouse", "Station", "Mountain", "Echo", "Circus", "Heart", "Highway", "Mirror", "Desert", "City"]

    /// Generates everything in memory (about 20 bytes per rating).
    public func generate() throws -> GeneratedData {
        try config.validate()
        let c = config
        let k = c.factors
        // Planted model.
        var rngTruth = SeededRandom(seed: c.seed, stream: 1)
        let factorStd = Float((c.interactionStd * c.interactionStd / Double(k)).squareRoot().squareRoot())
        let userFactors = (0 ..< c.users * k).map { _ in Float(rngTruth.normal()) * factorStd }
        let itemFactors = (0 ..< c.items * k).map { _ in Float(rngTruth.normal()) * factorStd }
        let userBias = (0 ..< c.users).map { _ in Float(rngTruth.normal() * c.userBiasStd) }
        let itemBias = (0 ..< c.items).map { _ in Float(rngTruth.normal() * c.itemBiasStd) }
        let truth = GroundTruth(factors: k, globalMean: c.globalMean, noise: c.noise, step: c.step, scale: c.scale,
                                userBias: userBias, itemBias: itemBias, userFactors: userFactors, itemFactors: itemFactors)

        // Popularity: Zipf weights over a random ranking of the items.
        var rngPop = SeededRandom(seed: c.seed, stream: 2)
        var rank = Array(1 ... c.items)
        rank.shuffle(using: &rngPop)
        let popularity = rank.map { pow(Double($0), -c.popularityExponent) }
        let alias = AliasTable(weights: popularity)

        let counts = activity()
        var offsets = [Int](repeating: 0, count: c.users + 1)
        for u in 0 ..< c.users { offsets[u + 1] = offsets[u] + counts[u] }

        var columns = RatingColumns()
        columns.users = [UInt32](repeating: 0, count: c.ratings)
        columns.items = [UInt32](repeating: 0, count: c.ratings)
        columns.ratings = [Float](repeating: 0, count: c.ratings)
        columns.timestamps = [Int64](repeating: 0, count: c.ratings)
        let chunkUsers = 2048
        let chunks = (c.users + chunkUsers - 1) / chunkUsers
        columns.users.withUnsafeMutableBufferPointer { us in
            columns.items.withUnsafeMutableBufferPointer { its in
                columns.ratings.withUnsafeMutableBufferPointer { rs in
                    columns.timestamps.withUnsafeMutableBufferPointer { ts in
                        let out = ChunkOutput(users: us.baseAddress!, items: its.baseAddress!, ratings: rs.baseAddress!, times: ts.baseAddress!)
                        let job = ChunkJob(config: c, truth: truth, alias: alias, popularity: popularity, counts: counts, offsets: offsets, out: out)
                        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                            job.run(chunk: chunk, users: chunk * chunkUsers ..< min(c.users, (chunk + 1) * chunkUsers))
                        }
                    }
                }
            }
        }
        columns.userKeys = (1 ... c.users).map { .int(Int64($0)) }
        columns.itemKeys = (1 ... c.items).map { .int(Int64($0)) }
        return GeneratedData(columns: columns, catalog: catalog(itemFactors: itemFactors), truth: truth, config: c)
    }

    /// Ratings per user: Pareto weights scaled to the exact total, at least `minRatingsPerUser`
    /// (when the total allows) and at most half the items.
    func activity() -> [Int] {
        let c = config
        var rng = SeededRandom(seed: c.seed, stream: 3)
        let cap = max(1, c.items / 2)
        let floorCount = min(c.minRatingsPerUser, c.ratings / c.users, cap)
        let weights = (0 ..< c.users).map { _ in pow(1.0 - rng.uniform(), -1.0 / c.activityShape) }
        let total = weights.reduce(0, +)
        let spare = Double(c.ratings - floorCount * c.users)
        var counts = weights.map { min(cap, floorCount + Int(spare * $0 / total)) }
        var missing = c.ratings - counts.reduce(0, +)
        let order = (0 ..< c.users).sorted { weights[$0] > weights[$1] }
        while missing > 0 {
            var progressed = false
            for u in order where missing > 0 && counts[u] < cap {
                counts[u] += 1
                missing -= 1
                progressed = true
            }
            if !progressed { break }
        }
        return counts
    }

    /// Titles, years, genres (aligned with the item factors) and countries.
    func catalog(itemFactors: [Float]) -> ColumnTable {
        let c = config
        let k = c.factors
        var rng = SeededRandom(seed: c.seed, stream: 4)
        let directions = (0 ..< Self.genres.count * k).map { _ in Float(rng.normal()) }
        let countryTable = AliasTable(weights: Self.countryWeights)
        var ids: [String] = [], titles: [String] = [], years: [Int64?] = [], genres: [[String]] = [], countries: [[String]] = []
        for i in 0 ..< c.items {
            let year = Int64(max(1930, 2024 - Int(rng.exponential(mean: 12))))
            let a = Self.adjectives[rng.below(Self.adjectives.count)], n = Self.nouns[rng.below(Self.nouns.count)]
            let n2 = Self.nouns[rng.below(Self.nouns.count)]
            let base: String
            switch rng.below(5) {
            case 0: base = "The \(a) \(n)"
            case 1: base = "\(n) of the \(n2)"
            case 2: base = "\(a) \(n)"
            case 3: base = "The \(n), the \(n2)"
            default: base = "\(a) \(n) \(2 + rng.below(3))"
            }
            ids.append(String(i + 1))
            titles.append("\(base) (\(year))")
            years.append(year)
            var scores: [(Double, Int)] = []
            for g in 0 ..< Self.genres.count {
                var s: Float = 0
                for f in 0 ..< k { s += itemFactors[i * k + f] * directions[g * k + f] }
                scores.append((Double(s) + log(Self.genreWeights[g]) + 0.5 * rng.normal(), g))
            }
            scores.sort { $0.0 > $1.0 }
            let u = rng.uniform()
            let many = u < 0.15 ? 3 : u < 0.55 ? 2 : 1
            genres.append(scores.prefix(many).map { Self.genres[$0.1] })
            var cs = [Self.countries[countryTable.sample(&rng)]]
            if rng.uniform() < 0.15 {
                let second = Self.countries[countryTable.sample(&rng)]
                if second != cs[0] { cs.append(second) }
            }
            countries.append(cs)
        }
        return ColumnTable(columns: [.init("item", .string(ids)), .init("title", .string(titles)), .init("year", .int(years)),
                                     .init("genres", .stringList(genres)), .init("countries", .stringList(countries))])
    }
}

/// Raw column pointers shared by the chunk workers; each chunk writes a disjoint range.
struct ChunkOutput: @unchecked Sendable {
    let users: UnsafeMutablePointer<UInt32>
    let items: UnsafeMutablePointer<UInt32>
    let ratings: UnsafeMutablePointer<Float>
    let times: UnsafeMutablePointer<Int64>
}

/// The per-chunk work of `RatingGenerator.generate()`.
struct ChunkJob: @unchecked Sendable {
    let config: GeneratorConfig
    let truth: GroundTruth
    let alias: AliasTable
    let popularity: [Double]
    let counts: [Int]
    let offsets: [Int]
    let out: ChunkOutput

    func run(chunk: Int, users: Range<Int>) {
        let c = config
        let k = c.factors
        let nItems = c.items
        var rng = SeededRandom(seed: c.seed, stream: 0x1_0000_0000 + UInt64(chunk))
        var stamp = [Int32](repeating: -1, count: nItems)
        var chosen: [Int] = []
        let firstDay = FieldParsing.daysFromCivil(year: Int64(c.firstYear), month: 1, day: 1)
        let lastDay = FieldParsing.daysFromCivil(year: Int64(c.lastYear), month: 12, day: 31)
        let hours = AliasTable(weights: RatingGenerator.hourWeights)
        let step = c.step, lo = c.scale.min, hi = c.scale.max
        truth.userFactors.withUnsafeBufferPointer { P in
            truth.itemFactors.withUnsafeBufferPointer { Q in
                for u in users {
                    let n = counts[u]
                    chosen.removeAll(keepingCapacity: true)
                    if n <= nItems / 8 {
                        var draws = 0
                        while chosen.count < n && draws < 64 * n + 64 {
                            let i = alias.sample(&rng)
                            draws += 1
                            if stamp[i] != Int32(u) { stamp[i] = Int32(u); chosen.append(i) }
                        }
                    }
                    if chosen.count < n {
                        // Heavy user: weighted sampling without replacement (Efraimidis-Spirakis keys).
                        chosen.removeAll(keepingCapacity: true)
                        var keyed = (0 ..< nItems).map { (log(1.0 - rng.uniform()) / popularity[$0], $0) }
                        keyed.sort { $0.0 > $1.0 }
                        chosen = keyed.prefix(n).map(\.1)
                    }
                    let start = firstDay + Int64(rng.below(max(1, Int(lastDay - firstDay) - 30)))
                    let span = max(1.0, min(Double(lastDay - start), rng.exponential(mean: 365)))
                    let ub = Double(truth.userBias[u])
                    var pos = offsets[u]
                    for i in chosen {
                        var dot: Float = 0
                        for f in 0 ..< k { dot += P[u * k + f] * Q[i * k + f] }
                        var r = c.globalMean + ub + Double(truth.itemBias[i]) + Double(dot) + c.noise * rng.normal()
                        if step > 0 { r = lo + ((r - lo) / step).rounded() * step }
                        r = min(hi, max(lo, r))
                        var day: Int64
                        repeat {
                            day = start + Int64(rng.uniform() * span)
                        } while rng.uniform() > RatingGenerator.weekdayAcceptance[Int((day + 4) % 7)]
                        out.users[pos] = UInt32(u)
                        out.items[pos] = UInt32(i)
                        out.ratings[pos] = Float(r)
                        out.times[pos] = day * 86_400 + Int64(hours.sample(&rng)) * 3600 + Int64(rng.below(3600))
                        pos += 1
                    }
                }
            }
        }
    }
}
