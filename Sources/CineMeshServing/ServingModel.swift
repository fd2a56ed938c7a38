import CineMeshData
import CineMeshNumerics

/// A model ready to answer requests: the factors, the id maps, each item's catalog entry, each
/// user's training items, genre sets and a popularity ranking, all immutable once built. One
/// instance serves any number of concurrent requests.
public final class ServingModel: Sendable {
    public let version: Int
    public let file: ModelFile
    /// Catalog entry of each dense item (nil fields where the catalog has none).
    public let titles: [String?]
    public let years: [Int64?]
    public let genres: [[String]]
    public let countries: [[String]]
    /// Genre name -> dense items carrying it, ascending.
    public let itemsByGenre: [String: [Int]]
    /// Country name -> dense items carrying it, ascending.
    public let itemsByCountry: [String: [Int]]
    /// |q_i| of every item, for cosine similarities.
    let itemNorms: [Float]
    /// Dense items by Bayesian-average rating of their training ratings, best first.
    public let popular: [(item: Int, score: Float, ratings: Int)]

    public init(version: Int, file: ModelFile) {
        self.version = version
        self.file = file
        let n = file.items.count
        var titles = [String?](repeating: nil, count: n), years = [Int64?](repeating: nil, count: n)
        var genres = [[String]](repeating: [], count: n), countries = [[String]](repeating: [], count: n)
        if let catalog = file.catalog, let keys = catalog.strings("item") {
            let t = catalog.strings("title"), y = catalog.ints("year"), g = catalog.stringLists("genres"), c = catalog.stringLists("countries")
            for (row, key) in keys.enumerated() {
                guard let i = file.items.index(of: key) else { continue }
                titles[Int(i)] = t?[row]
                years[Int(i)] = y?[row] ?? nil
                genres[Int(i)] = g?[row] ?? []
                countries[Int(i)] = c?[row] ?? []
            }
        }
        func index(_ lists: [[String]]) -> [String: [Int]] {
            var out: [String: [Int]] = [:]
            for (i, names) in lists.enumerated() { for name in names { out[name, default: []].append(i) } }
            return out
        }
        let items = file.model.items
        itemNorms = items.values.withUnsafeBufferPointer { v in
            (0 ..< items.rows).map { r in
                var t: Float = 0
                for f in 0 ..< items.factors { t += v[r * items.stride + f] * v[r * items.stride + f] }
                return t.squareRoot()
            }
        }
        self.titles = titles
        self.years = years
        self.genres = genres
        self.countries = countries
        itemsByGenre = index(genres)
        itemsByCountry = index(countries)
        popular = Self.bayesianAverage(file)
    }

    /// Items ranked by (C m + sum of ratings) / (C + count): the mean pulled toward the global
    /// mean m by C = the median item's rating count. Items without ratings rank last.
    static func bayesianAverage(_ file: ModelFile) -> [(item: Int, score: Float, ratings: Int)] {
        let n = file.items.count
        var counts = [Int](repeating: 0, count: n)
        for i in file.seenItems { counts[Int(i)] += 1 }
        // The model file keeps which items each user rated, not the ratings: the model's own
        // prediction for those pairs stands in for them (exact for the baseline's biases).
        var sums = [Double](repeating: 0, count: n)
        for u in 0 ..< file.users.count {
            for i in file.seen(user: u) { sums[Int(i)] += Double(file.model.score(user: u, item: Int(i))) }
        }
        let rated = counts.filter { $0 > 0 }.sorted()
        let c = Double(rated.isEmpty ? 1 : rated[rated.count / 2])
        let m = Double(file.model.globalMean)
        return (0 ..< n).map { i in (i, Float((c * m + sums[i]) / (c + Double(counts[i]))), counts[i]) }
            .sorted { ($0.ratings > 0 ? 1 : 0, $0.score, -$0.item) > ($1.ratings > 0 ? 1 : 0, $1.score, -$1.item) }
    }

    public func user(_ id: String) -> Int? { file.users.index(of: id).map(Int.init) }
    public func item(_ id: String) -> Int? { file.items.index(of: id).map(Int.init) }
    public func itemId(_ i: Int) -> String { file.items.ids[i].description }

    /// Top `n` items for user `u` (dense), the user's training items left out unless
    /// `includeSeen`, only items `filter` allows.
    public func recommend(user u: Int, n: Int, includeSeen: Bool, filter: ItemFilter) -> [(item: Int, score: Float)] {
        let seen = includeSeen ? [] : file.seen(user: u)
        guard !filter.isEmpty else { return TopN.recommend(model: file.model, user: u, n: n, exclude: seen) }
        return TopN.recommend(model: file.model, user: u, n: n, exclude: exclusions(filter, plus: seen))
    }

    /// Top `n` items for someone the model has never seen, from a folded-in vector (`foldIn`), the
    /// rated items left out.
    public func recommend(folded: FoldedUser, n: Int, filter: ItemFilter) -> [(item: Int, score: Float)] {
        let rated = folded.rated.sorted()
        return folded.row.withUnsafeBufferPointer { row in
            TopN.recommend(model: file.model, userRow: row.baseAddress!, userBias: folded.bias, n: n,
                           exclude: filter.isEmpty ? rated.map { UInt32($0) } : exclusions(filter, plus: rated.map { UInt32($0) }))
        }
    }

    /// One ascending list of every item `filter` rules out, and `extra`.
    func exclusions<C: Collection>(_ filter: ItemFilter, plus extra: C) -> [UInt32] where C.Element == UInt32 {
        var excluded = [Bool](repeating: false, count: file.items.count)
        if let allowed = filter.genre.flatMap({ itemsByGenre[$0] }) {
            var keep = [Bool](repeating: false, count: excluded.count)
            for i in allowed { keep[i] = true }
            for i in excluded.indices where !keep[i] { excluded[i] = true }
        }
        if let allowed = filter.country.flatMap({ itemsByCountry[$0] }) {
            var keep = [Bool](repeating: false, count: excluded.count)
            for i in allowed { keep[i] = true }
            for i in excluded.indices where !keep[i] { excluded[i] = true }
        }
        if filter.yearFrom != nil || filter.yearTo != nil {
            for i in excluded.indices {
                guard let y = years[i] else { excluded[i] = true; continue }
                if let from = filter.yearFrom, y < from { excluded[i] = true }
                if let to = filter.yearTo, y > to { excluded[i] = true }
            }
        }
        for i in extra { excluded[Int(i)] = true }
        return excluded.indices.filter { excluded[$0] }.map { UInt32($0) }
    }

    /// Folds in a new user: the factors p and bias b_u minimizing
    /// sum over the given (item, rating) of (r - mean - b_i - b_u - p . q_i)^2 + lambda n (|p|^2 + b_u^2)
    /// against the model's fixed item side (one ridge regression, as an ALS half-step solves each
    /// user). No retraining.
    public func foldIn(_ ratings: [(item: Int, rating: Float)], lambda: Double = 0.1) -> FoldedUser? {
        let items = file.model.items, k = items.factors, s = items.stride
        let size = k + 1
        var equation = NormalEquation(size: size)
        var x = [Float](repeating: 0, count: size)
        items.values.withUnsafeBufferPointer { q in
            for (i, r) in ratings {
                for f in 0 ..< k { x[f] = q[i * s + f] }
                x[k] = 1
                let target = Double(r - file.model.globalMean - file.model.itemBias[i])
                x.withUnsafeBufferPointer { equation.add($0.baseAddress!, target: target) }
            }
        }
        var solution = [Float](repeating: 0, count: size)
        let reg = [Double](repeating: lambda * Double(max(1, ratings.count)), count: size)
        guard solution.withUnsafeMutableBufferPointer({ equation.solve(lambda: reg, into: $0.baseAddress!) }) else { return nil }
        var row = [Float](repeating: 0, count: s)
        for f in 0 ..< k { row[f] = solution[f] }
        return FoldedUser(row: row, bias: solution[k], rated: ratings.map(\.item))
    }

    /// Up to `count` of the user's rated items closest to `item` in factor space (cosine): the
    /// titles that pulled it up, best first.
    public func because(user rated: [Int], item: Int, count: Int = 3) -> [Int] {
        let norms = itemNorms
        let items = file.model.items, k = items.factors, s = items.stride
        return items.values.withUnsafeBufferPointer { v in
            rated.filter { $0 != item }.map { j -> (Int, Float) in
                var dot: Float = 0
                for f in 0 ..< k { dot += v[j * s + f] * v[item * s + f] }
                let d = norms[j] * norms[item]
                return (j, d > 0 ? dot / d : 0)
            }
            .sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }
            .prefix(count).map(\.0)
        }
    }

    /// The `n` items nearest to item `i` by cosine similarity of their factors (the item itself
    /// left out).
    public func similar(item i: Int, n: Int) -> [(item: Int, score: Float)] {
        let items = file.model.items, k = items.factors, s = items.stride
        let norms = itemNorms
        var scored: [(item: Int, score: Float)] = []
        scored.reserveCapacity(items.rows)
        items.values.withUnsafeBufferPointer { v in
            for r in 0 ..< items.rows where r != i {
                var dot: Float = 0
                for f in 0 ..< k { dot += v[r * s + f] * v[i * s + f] }
                let d = norms[r] * norms[i]
                scored.append((r, d > 0 ? dot / d : 0))
            }
        }
        return Array(scored.sorted { ($0.score, -$0.item) > ($1.score, -$1.item) }.prefix(n))
    }

    /// The predicted rating of user `u` for item `i`, clipped to the scale.
    public func predict(user u: Int, item i: Int) -> Float {
        file.model.predict(user: u, item: i, scale: file.metadata.ratingScale)
    }
}

/// Which items a request allows: a genre, a country, a range of years (each optional).
public struct ItemFilter: Sendable, Equatable {
    public var genre: String?
    public var country: String?
    public var yearFrom: Int64?
    public var yearTo: Int64?

    public init(genre: String? = nil, country: String? = nil, yearFrom: Int64? = nil, yearTo: Int64? = nil) {
        self.genre = genre
        self.country = country
        self.yearFrom = yearFrom
        self.yearTo = yearTo
    }

    public var isEmpty: Bool { genre == nil && country == nil && yearFrom == nil && yearTo == nil }
}

/// A user folded in from their ratings: a factor row (padded), a bias, and the items they rated.
public struct FoldedUser: Sendable {
    public var row: [Float]
    public var bias: Float
    public var rated: [Int]
}
