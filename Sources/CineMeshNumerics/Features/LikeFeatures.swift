import CineMeshData
import Foundation

/// The features of "will this user like this title" (a rating at or above `likeThreshold`), one row
/// per rating of a split, computed from the training ratings only (docs/FEATURES.md defines each):
///
/// - `user_ratings`, `user_mean`, `user_std`: the user's training ratings: count, mean, spread;
/// - `item_ratings`, `item_mean`, `item_std`: the same for the title;
/// - `genre_affinity`: the user's mean rating on the title's genres minus the user's mean;
/// - `genre_share`: of the user's ratings, the share in each of the title's genres, averaged;
/// - `item_age_days`, `hour`, `weekday` (with timestamps only): days since the title's first
///   training rating, and the rating's UTC hour and day of the week (Monday 0).
///
/// No leakage: a held-out rating's features use the training ratings alone, and a training
/// rating's leave itself out (a user's mean over their other ratings), so a model cannot read
/// the label from a mean that contains it. A user or title with no (other) training rating gets
/// the training mean and spreads of 0.
public struct LikeFeatures: Sendable {
    /// Feature names, in column order.
    public let names: [String]
    public private(set) var values: [Float] = []
    public private(set) var users: [UInt32] = []
    public private(set) var items: [UInt32] = []
    public private(set) var ratings: [Float] = []
    public private(set) var labels: [UInt8] = []
    public private(set) var isTest: [Bool] = []

    public var count: Int { labels.count }
    /// Row `r`'s features.
    public func row(_ r: Int) -> ArraySlice<Float> { values[r * names.count ..< (r + 1) * names.count] }

    /// Sums over one user's or one title's training ratings.
    struct Moments {
        var n: Float = 0, sum: Float = 0, squares: Float = 0

        mutating func add(_ r: Float) { n += 1; sum += r; squares += r * r }

        /// Mean and spread, without `leaving` (a rating of its own) when given.
        func stats(leaving r: Float?, fallback: Float) -> (n: Float, mean: Float, std: Float) {
            let n = self.n - (r == nil ? 0 : 1), sum = self.sum - (r ?? 0), squares = self.squares - (r.map { $0 * $0 } ?? 0)
            guard n > 0 else { return (0, fallback, 0) }
            let mean = sum / n
            return (n, mean, n > 1 ? max(0, squares / n - mean * mean).squareRoot() : 0)
        }
    }

    /// Features of every rating in `train` and `test`. `genres[item]` lists the title's genre
    /// numbers (below `genreCount`); `hasTime` adds the time features.
    public init(train: [RatingBlock], test: [RatingBlock], userCount: Int, itemCount: Int, genres: [[Int32]], genreCount: Int,
                hasTime: Bool, likeThreshold: Float) {
        names = ["user_ratings", "user_mean", "user_std", "item_ratings", "item_mean", "item_std", "genre_affinity", "genre_share"]
            + (hasTime ? ["item_age_days", "hour", "weekday"] : [])
        var userMoments = [Moments](repeating: Moments(), count: userCount)
        var itemMoments = [Moments](repeating: Moments(), count: itemCount)
        var firstTime = [Int64](repeating: .max, count: itemCount)
        // Per user and genre: count and sum of ratings, users x genres.
        var genreN = [Float](repeating: 0, count: userCount * genreCount)
        var genreSum = [Float](repeating: 0, count: userCount * genreCount)
        var total: Double = 0, totalN = 0
        for block in train {
            for k in 0 ..< block.count {
                let u = Int(block.users[k]), i = Int(block.items[k]), r = block.ratings[k]
                userMoments[u].add(r)
                itemMoments[i].add(r)
                if hasTime, !block.timestamps.isEmpty { firstTime[i] = min(firstTime[i], block.timestamps[k]) }
                for g in genres[i] {
                    genreN[u * genreCount + Int(g)] += 1
                    genreSum[u * genreCount + Int(g)] += r
                }
                total += Double(r)
                totalN += 1
            }
        }
        let globalMean = totalN > 0 ? Float(total / Double(totalN)) : 0
        let width = names.count
        let rows = train.reduce(0) { $0 + $1.count } + test.reduce(0) { $0 + $1.count }
        values.reserveCapacity(rows * width)
        for (blocks, held) in [(train, false), (test, true)] {
            for block in blocks {
                for k in 0 ..< block.count {
                    let u = Int(block.users[k]), i = Int(block.items[k]), r = block.ratings[k]
                    let own: Float? = held ? nil : r
                    let user = userMoments[u].stats(leaving: own, fallback: globalMean)
                    let item = itemMoments[i].stats(leaving: own, fallback: globalMean)
                    var inGenres: Float = 0, sumInGenres: Float = 0, share: Float = 0
                    for g in genres[i] {
                        let n = genreN[u * genreCount + Int(g)] - (held ? 0 : 1), s = genreSum[u * genreCount + Int(g)] - (own ?? 0)
                        inGenres += n
                        sumInGenres += s
                        if user.n > 0 { share += n / user.n }
                    }
                    let affinity = inGenres > 0 ? sumInGenres / inGenres - user.mean : 0
                    // One append per value: no array per row.
                    values.append(user.n); values.append(user.mean); values.append(user.std)
                    values.append(item.n); values.append(item.mean); values.append(item.std)
                    values.append(affinity); values.append(genres[i].isEmpty ? 0 : share / Float(genres[i].count))
                    if hasTime {
                        let t = block.timestamps.isEmpty ? 0 : block.timestamps[k]
                        let age = firstTime[i] == .max ? 0 : Float(Double(t - firstTime[i]) / 86_400)
                        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
                        let hour = Float((t - days * 86_400) / 3600)
                        values.append(age); values.append(hour); values.append(Float(((days + 3) % 7 + 7) % 7))
                    }
                    users.append(block.users[k])
                    items.append(block.items[k])
                    ratings.append(r)
                    labels.append(r >= likeThreshold ? 1 : 0)
                    isTest.append(held)
                }
            }
        }
    }

    /// The genres of each item of `dataset` from its catalog's `genres` column (none without a
    /// catalog), numbered in name order, and their names.
    public static func genres(of dataset: Dataset) -> (perItem: [[Int32]], names: [String]) {
        guard let lists = dataset.catalog?.stringLists("genres") else { return (Array(repeating: [], count: dataset.items.count), []) }
        let rows = dataset.catalogRows()
        let names = Array(Set(lists.joined())).filter { !$0.isEmpty && $0 != "(no genres listed)" }.sorted()
        var number: [String: Int32] = [:]
        for (k, name) in names.enumerated() { number[name] = Int32(k) }
        let perItem = rows.map { row in row.map { lists[$0].compactMap { number[$0] } } ?? [] }
        return (perItem, names)
    }
}
