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
    /// Genre name -> dense items carrying it, ascending.
    public let itemsByGenre: [String: [Int]]
    /// Dense items by Bayesian-average rating of their training ratings, best first.
    public let popular: [(item: Int, score: Float, ratings: Int)]

    public init(version: Int, file: ModelFile) {
        self.version = version
        self.file = file
        let n = file.items.count
        var titles = [String?](repeating: nil, count: n), years = [Int64?](repeating: nil, count: n)
        var genres = [[String]](repeating: [], count: n)
        if let catalog = file.catalog, let keys = catalog.strings("item") {
            let t = catalog.strings("title"), y = catalog.ints("year"), g = catalog.stringLists("genres")
            for (row, key) in keys.enumerated() {
                guard let i = file.items.index(of: key) else { continue }
                titles[Int(i)] = t?[row]
                years[Int(i)] = y?[row] ?? nil
                genres[Int(i)] = g?[row] ?? []
            }
        }
        var byGenre: [String: [Int]] = [:]
        for (i, gs) in genres.enumerated() { for g in gs { byGenre[g, default: []].append(i) } }
        self.titles = titles
        self.years = years
        self.genres = genres
        itemsByGenre = byGenre
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
    /// `includeSeen`, restricted to `genre` when given.
    public func recommend(user u: Int, n: Int, includeSeen: Bool, genre: [Int]?) -> [(item: Int, score: Float)] {
        let seen = includeSeen ? [] : file.seen(user: u)
        guard let genre else { return TopN.recommend(model: file.model, user: u, n: n, exclude: seen) }
        // Everything outside the genre is excluded too; TopN wants one ascending list.
        var excluded = [Bool](repeating: true, count: file.items.count)
        for i in genre { excluded[i] = false }
        for i in seen { excluded[Int(i)] = true }
        let exclude = excluded.indices.lazy.filter { excluded[$0] }.map { UInt32($0) }
        return TopN.recommend(model: file.model, user: u, n: n, exclude: exclude)
    }

    /// The `n` items nearest to item `i` by cosine similarity of their factors (the item itself
    /// left out).
    public func similar(item i: Int, n: Int) -> [(item: Int, score: Float)] {
        let items = file.model.items, k = items.factors, s = items.stride
        var norms = [Float](repeating: 0, count: items.rows)
        items.values.withUnsafeBufferPointer { v in
            for r in 0 ..< items.rows {
                var t: Float = 0
                for f in 0 ..< k { t += v[r * s + f] * v[r * s + f] }
                norms[r] = t.squareRoot()
            }
        }
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
