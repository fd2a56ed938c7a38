import CineMeshData
import CineMeshModel
import CineMeshStore

/// A model ready to answer requests: the factors, the id maps, each item's catalog entry, each
/// user's training items, genre sets and a popularity ranking, all immutable once built. One
/// instance serves any number of concurrent requests.
public final class ServingModel: Sendable {
    public let version: Int
    /// The model's name in its store (default `DATASET/ALGORITHM`): every answer says it.
    public let name: String
    public let file: ModelFile
    /// Catalog entry of each dense item (nil fields where the catalog has none).
    public let titles: [String?]
    public let years: [Int64?]
    public let genres: [[String]]
    public let countries: [[String]]
    /// Genre name -> the items carrying it.
    public let genreMasks: [String: ItemMask]
    /// Country name -> the items carrying it.
    public let countryMasks: [String: ItemMask]
    /// (year, item) of every item with a year, ascending: a year range is one binary search.
    let itemsByYear: [(year: Int64, item: Int)]
    /// The item factors in the layout top-N scoring reads.
    let panels: ItemPanels
    /// Dense items by Bayesian-average rating of their training ratings, best first.
    public let popular: [(item: Int, score: Float, ratings: Int)]

    public init(version: Int, name: String? = nil, file: ModelFile) {
        self.version = version
        self.name = name ?? ModelStore.defaultName(file.metadata)
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
        let panels = ItemPanels(model: file.model)
        func index(_ lists: [[String]]) -> [String: ItemMask] {
            var out: [String: ItemMask] = [:]
            for (i, names) in lists.enumerated() { for name in names { out[name, default: panels.emptyMask()].insert(i) } }
            return out
        }
        self.panels = panels
        itemsByYear = years.enumerated().compactMap { i, y in y.map { (year: $0, item: i) } }.sorted { ($0.year, $0.item) < ($1.year, $1.item) }
        self.titles = titles
        self.years = years
        self.genres = genres
        self.countries = countries
        genreMasks = index(genres)
        countryMasks = index(countries)
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
        let model = file.model
        return model.users.values.withUnsafeBufferPointer { p in
            panels.top(p.baseAddress! + u * model.users.stride, scoring: .biased(offset: model.globalMean + model.userBias[u]), n: n,
                       exclude: includeSeen ? [] : file.seen(user: u), allowed: mask(filter))
        }
    }

    /// Top `n` items for someone the model has never seen, from a folded-in vector (`foldIn`), the
    /// rated items left out.
    public func recommend(folded: FoldedUser, n: Int, filter: ItemFilter) -> [(item: Int, score: Float)] {
        let rated = folded.rated.map { UInt32($0) }   // top() orders its exclusions itself
        return folded.row.withUnsafeBufferPointer { row in
            panels.top(row.baseAddress!, scoring: .biased(offset: file.model.globalMean + folded.bias), n: n, exclude: rated[...], allowed: mask(filter))
        }
    }

    /// The items `filter` allows, nil when it allows every item.
    public func mask(_ filter: ItemFilter) -> ItemMask? {
        guard !filter.isEmpty else { return nil }
        var parts: [ItemMask] = []
        if let genre = filter.genre { parts.append(genreMasks[genre] ?? panels.emptyMask()) }
        if let country = filter.country { parts.append(countryMasks[country] ?? panels.emptyMask()) }
        if filter.yearFrom != nil || filter.yearTo != nil {
            let from = filter.yearFrom ?? .min, to = filter.yearTo ?? .max
            var lo = 0, hi = itemsByYear.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if itemsByYear[mid].year < from { lo = mid + 1 } else { hi = mid }
            }
            var years = panels.emptyMask()
            while lo < itemsByYear.count, itemsByYear[lo].year <= to {
                years.insert(itemsByYear[lo].item)
                lo += 1
            }
            parts.append(years)
        }
        return parts.dropFirst().reduce(parts[0]) { $0.intersection($1) }
    }

    /// Folds in a new user: the factors p and bias b_u minimizing
    /// sum over the given (item, rating) of (r - mean - b_i - b_u - p . q_i)^2 + lambda n (|p|^2 + b_u^2)
    /// against the model's fixed item side (one ridge regression, as an ALS half-step solves each
    /// user). No retraining.
    public func foldIn(_ ratings: [(item: Int, rating: Float)], lambda: Double = 0.1) -> FoldedUser? {
        let model = file.model
        let targets = ratings.map { Double($0.rating - model.globalMean - model.itemBias[$0.item]) }
        guard let (row, bias) = FoldIn.solve(items: model.items, rows: ratings.map(\.item), targets: targets,
                                             lambda: lambda * Double(max(1, ratings.count))) else { return nil }
        return FoldedUser(row: row, bias: bias, rated: ratings.map(\.item))
    }

    /// Up to `count` of the user's rated items closest to `item` in factor space (cosine): the
    /// titles that pulled it up, best first.
    public func because(user rated: [Int], item: Int, count: Int = 3) -> [Int] {
        let items = file.model.items, k = items.factors, s = items.stride
        return items.values.withUnsafeBufferPointer { v in
            rated.filter { $0 != item }.map { j -> (Int, Float) in
                var dot: Float = 0
                for f in 0 ..< k { dot += v[j * s + f] * v[item * s + f] }
                let d = panels.norm(j) * panels.norm(item)
                return (j, d > 0 ? dot / d : 0)
            }
            .sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }
            .prefix(count).map(\.0)
        }
    }

    /// The `n` items nearest to item `i` by cosine similarity of their factors (the item itself
    /// left out).
    public func similar(item i: Int, n: Int) -> [(item: Int, score: Float)] {
        let items = file.model.items, s = items.stride
        let norm = panels.norm(i)
        let query = (0 ..< s).map { f in norm > 0 ? items.values[i * s + f] / norm : 0 }
        return panels.top(query, scoring: .cosine, n: n, exclude: [UInt32(i)])
    }

    /// The predicted rating of user `u` for item `i`, clipped to the scale.
    public func predict(user u: Int, item i: Int) -> Float {
        file.model.predict(user: u, item: i, scale: file.metadata.ratingScale)
    }
}
