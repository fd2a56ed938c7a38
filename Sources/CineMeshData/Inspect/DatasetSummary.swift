/// What `cinemesh inspect` reports about a dataset; also its `--json` form.
public struct DatasetSummary: Codable, Sendable {
    public struct HistogramBin: Codable, Sendable {
        /// Lower edge (equal to the value on a stepped scale).
        public var from: Double
        public var to: Double
        public var count: Int
    }

    public struct TopItem: Codable, Sendable {
        public var item: String
        public var title: String?
        public var ratings: Int
        public var meanRating: Double
    }

    public struct Spread: Codable, Sendable {
        public var min: Int
        public var median: Int
        public var max: Int
        public var mean: Double
    }

    public var name: String
    public var sourceFormat: String
    public var users: Int
    public var items: Int
    public var ratings: Int
    /// ratings / (users x items).
    public var density: Double
    public var meanRating: Double
    public var ratingScale: RatingScale
    public var histogram: [HistogramBin]
    public var ratingsPerUser: Spread
    public var ratingsPerItem: Spread
    /// First and last rating time, ISO 8601 UTC, when the data has timestamps.
    public var firstRating: String?
    public var lastRating: String?
    public var catalogTitles: Int?
    public var mostRated: [TopItem]
    public var gridRows: Int
    public var gridColumns: Int
    /// Ratings in each block, row-major (`blockRatings[r][c]`).
    public var blockRatings: [[Int]]
    /// Largest block / mean block: 1.0 is perfect balance.
    public var blockImbalance: Double
    public var skipped: [String: Int]
    public var duplicatesResolved: Int
    public var contentHash: String

    /// Reads every shard (verifying each) and summarizes.
    public init(dataset: Dataset, top: Int = 10) throws {
        let m = dataset.manifest
        var userCounts = [Int](repeating: 0, count: m.users)
        var itemCounts = [Int](repeating: 0, count: m.items)
        var itemSums = [Double](repeating: 0, count: m.items)
        let scale = m.ratingScale
        let binCount: Int
        let width: Double
        if let step = scale.step {
            binCount = Int(((scale.max - scale.min) / step).rounded()) + 1
            width = step
        } else {
            binCount = 10
            width = (scale.max - scale.min) / 10
        }
        var bins = [Int](repeating: 0, count: binCount)
        var total = 0.0
        var grid = [[Int]](repeating: [Int](repeating: 0, count: m.grid.columns), count: m.grid.rows)
        for r in 0 ..< m.grid.rows {
            for c in 0 ..< m.grid.columns {
                let block = try dataset.block(row: r, column: c, includeTimestamps: false)
                grid[r][c] = block.count
                for k in 0 ..< block.count {
                    let u = Int(block.users[k]), i = Int(block.items[k])
                    let x = Double(block.ratings[k])
                    userCounts[u] += 1
                    itemCounts[i] += 1
                    itemSums[i] += x
                    total += x
                    let b = scale.step != nil ? Int(((x - scale.min) / width).rounded()) : Int((x - scale.min) / width)
                    bins[max(0, min(binCount - 1, b))] += 1
                }
            }
        }
        name = m.name
        sourceFormat = m.sourceFormat
        users = m.users
        items = m.items
        ratings = m.ratings
        density = m.users > 0 && m.items > 0 ? Double(m.ratings) / (Double(m.users) * Double(m.items)) : 0
        meanRating = m.ratings > 0 ? total / Double(m.ratings) : 0
        ratingScale = scale
        histogram = bins.enumerated().map { k, n in
            let from = scale.min + Double(k) * width
            return HistogramBin(from: from, to: scale.step != nil ? from : from + width, count: n)
        }
        ratingsPerUser = Self.spread(userCounts)
        ratingsPerItem = Self.spread(itemCounts)
        firstRating = m.timestamps.map { Self.iso($0.min) }
        lastRating = m.timestamps.map { Self.iso($0.max) }
        catalogTitles = dataset.catalog?.rowCount
        let rows = dataset.catalogRows()
        let titles = dataset.catalog?.strings("title")
        let order = (0 ..< m.items).sorted { itemCounts[$0] != itemCounts[$1] ? itemCounts[$0] > itemCounts[$1] : $0 < $1 }
        mostRated = order.prefix(top).map { i in
            TopItem(item: dataset.items.ids[i].description, title: rows[i].flatMap { r in titles?[r] },
                    ratings: itemCounts[i], meanRating: itemCounts[i] > 0 ? itemSums[i] / Double(itemCounts[i]) : 0)
        }
        gridRows = m.grid.rows
        gridColumns = m.grid.columns
        blockRatings = grid
        let flat = grid.flatMap { $0 }
        let meanBlock = Double(flat.reduce(0, +)) / Double(max(1, flat.count))
        blockImbalance = meanBlock > 0 ? Double(flat.max() ?? 0) / meanBlock : 1
        skipped = m.ingest.skipped
        duplicatesResolved = m.ingest.duplicatesResolved
        contentHash = m.contentHash
    }

    static func spread(_ counts: [Int]) -> Spread {
        guard !counts.isEmpty else { return Spread(min: 0, median: 0, max: 0, mean: 0) }
        let s = counts.sorted()
        return Spread(min: s[0], median: s[s.count / 2], max: s[s.count - 1], mean: Double(s.reduce(0, +)) / Double(s.count))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch.
    public static func iso(_ t: Int64) -> String {
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        let (y, m, d) = FieldParsing.civilFromDays(days)
        func two(_ x: Int64) -> String { x < 10 ? "0\(x)" : "\(x)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }
}
