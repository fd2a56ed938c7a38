/// The standard reports.
public enum Reports {
    public static let all: [Report] = [genrePopularity, ratingDistribution, topRated, ratingsPerMonth, weekdayHour,
                                       countryGenre, contentAdded, userActivity, longTail]

    public static func named(_ name: String) -> Report? { all.first { $0.name == name } }

    static let genrePopularity = Report(
        name: "genre-popularity", title: "Genre popularity",
        summary: "Ratings and mean rating per genre. Needs ratings and a catalog with genres.",
        queries: { t, c in
            t.contains("titles") && c.contains("titles.genres") ? ["""
            SELECT genre, count(*) AS ratings, count(DISTINCT item) AS titles, avg(rating) AS mean_rating
            FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY ratings DESC, genre
            """] : []
        },
        build: { r throws(QueryError) in ReportOutput(table: r[0]) })

    static let ratingDistribution = Report(
        name: "rating-distribution", title: "Rating distribution",
        summary: "Ratings per rating value, with each value's share. Needs ratings.",
        queries: { _, _ in ["SELECT rating, count(*) AS ratings FROM ratings GROUP BY rating ORDER BY rating"] },
        build: { r throws(QueryError) in
            let total = r[0].rows.reduce(0) { $0 + ($1[1].number ?? 0) }
            var t = r[0]
            t.columns.append("share")
            t.types.append(.double)
            t.rows = t.rows.map { $0 + [.double(total > 0 ? ($0[1].number ?? 0) / total : 0)] }
            return ReportOutput(table: t, notes: ["\(Int(total)) ratings"])
        })

    static let topRated = Report(
        name: "top-rated", title: "Top-rated titles",
        summary: "The 20 titles with the best Bayesian average (weight 50 ratings toward the mean of all ratings) among those with at least 50 ratings. Needs ratings and a catalog.",
        queries: { t, _ in
            t.contains("titles") ? ["""
            SELECT item, title, count(*) AS ratings, avg(rating) AS mean_rating, bayes_avg(rating, 50) AS score
            FROM ratings JOIN titles USING (item) GROUP BY item, title HAVING count(*) >= 50
            ORDER BY score DESC, item LIMIT 20
            """] : []
        },
        build: { r throws(QueryError) in ReportOutput(table: r[0]) })

    static let ratingsPerMonth = Report(
        name: "ratings-per-month", title: "Ratings per month",
        summary: "Ratings and mean rating per calendar month, with a 3-month rolling mean of the count. Needs ratings with timestamps.",
        queries: { _, c in
            c.contains("ratings.timestamp") ? ["""
            SELECT date_trunc('month', timestamp) AS month, count(*) AS ratings, avg(rating) AS mean_rating
            FROM ratings WHERE timestamp IS NOT NULL GROUP BY month ORDER BY month
            """] : []
        },
        build: { r throws(QueryError) in
            var t = r[0]
            t.columns.append("rolling_ratings_3m")
            t.types.append(.double)
            let counts = t.rows.map { $0[1].number ?? 0 }
            t.rows = t.rows.enumerated().map { i, row in
                let window = counts[max(0, i - 2) ... i]
                return row + [.double(window.reduce(0, +) / Double(window.count))]
            }
            return ReportOutput(table: t)
        })

    static let weekdayHour = Report(
        name: "weekday-hour", title: "Ratings by weekday and hour (UTC)",
        summary: "A weekday (0 = Sunday) x hour heatmap of rating counts. Needs ratings with timestamps.",
        queries: { _, c in
            c.contains("ratings.timestamp") ? ["""
            SELECT weekday(timestamp) AS weekday, hour(timestamp) AS hour, count(*) AS ratings
            FROM ratings WHERE timestamp IS NOT NULL GROUP BY weekday, hour ORDER BY weekday, hour
            """] : []
        },
        build: { r throws(QueryError) in ReportOutput(table: r[0]) })

    static let countryGenre = Report(
        name: "country-genre", title: "Titles by country and genre",
        summary: "Catalog titles per (country, genre) pair, the 50 largest. Needs a catalog with countries and genres.",
        queries: { _, c in
            c.contains("titles.countries") && c.contains("titles.genres") ? ["""
            SELECT country, genre, count(*) AS titles FROM titles
            GROUP BY country, genre ORDER BY titles DESC, country, genre LIMIT 50
            """] : []
        },
        build: { r throws(QueryError) in ReportOutput(table: r[0]) })

    static let contentAdded = Report(
        name: "content-added", title: "Content added per year, by type",
        summary: "Catalog titles per year added (`date_added`, else release `year`) and type (when the catalog has one). Needs a catalog.",
        queries: { t, c in
            guard t.contains("titles") else { return [] }
            let year = c.contains("titles.date_added")
                ? "CAST(substr(date_added, length(date_added) - 3) AS INTEGER)" : "year"
            let filter = c.contains("titles.date_added") ? "date_added IS NOT NULL" : "year IS NOT NULL"
            if c.contains("titles.type") {
                return ["SELECT \(year) AS year_added, type, count(*) AS titles FROM titles WHERE \(filter) GROUP BY year_added, type ORDER BY year_added, type"]
            }
            return ["SELECT \(year) AS year_added, count(*) AS titles FROM titles WHERE \(filter) GROUP BY year_added ORDER BY year_added"]
        },
        build: { r throws(QueryError) in ReportOutput(table: r[0]) })

    static let userActivity = Report(
        name: "user-activity", title: "User activity segments",
        summary: "Users split by their rating count: light (up to the median), regular (up to the 90th percentile), heavy (above); users, ratings and mean rating per segment. Needs ratings.",
        queries: { _, _ in ["SELECT user, count(*) AS ratings, sum(rating) AS rating_sum FROM ratings GROUP BY user ORDER BY ratings, user"] },
        build: { r throws(QueryError) in
            let counts = r[0].rows.map { $0[1].number ?? 0 }
            let sums = r[0].rows.map { $0[2].number ?? 0 }
            func quantile(_ q: Double) -> Double {
                guard !counts.isEmpty else { return 0 }
                let p = q * Double(counts.count - 1)
                let lo = Int(p.rounded(.down)), hi = Int(p.rounded(.up))
                return counts[lo] + (p - Double(lo)) * (counts[hi] - counts[lo])
            }
            let median = quantile(0.5), p90 = quantile(0.9)
            var rows: [[Value]] = []
            for (name, range) in [("light", -Double.infinity ... median), ("regular", median.nextUp ... p90), ("heavy", p90.nextUp ... Double.infinity)] {
                let members = counts.indices.filter { range.contains(counts[$0]) }
                let n = members.reduce(0.0) { $0 + counts[$1] }
                let s = members.reduce(0.0) { $0 + sums[$1] }
                rows.append([.text(name), .integer(Int64(members.count)), .integer(Int64(n)), n > 0 ? .double(s / n) : .null])
            }
            let table = QueryResult(columns: ["segment", "users", "ratings", "mean_rating"], types: [.text, .integer, .integer, .double], rows: rows)
            return ReportOutput(table: table, notes: ["median \(median) ratings per user, 90th percentile \(p90)"])
        })

    static let longTail = Report(
        name: "long-tail", title: "The long tail",
        summary: "How few titles make 50%, 80% and 95% of all ratings. Needs ratings.",
        queries: { _, _ in ["SELECT item, count(*) AS ratings FROM ratings GROUP BY item ORDER BY ratings DESC, item"] },
        build: { r throws(QueryError) in
            let counts = r[0].rows.map { $0[1].number ?? 0 }
            let total = counts.reduce(0, +)
            var rows: [[Value]] = []
            for share in [0.5, 0.8, 0.95] {
                var running = 0.0, k = 0
                while k < counts.count, running < share * total {
                    running += counts[k]
                    k += 1
                }
                rows.append([.double(share), .integer(Int64(k)), .double(counts.isEmpty ? 0 : Double(k) / Double(counts.count))])
            }
            let table = QueryResult(columns: ["share_of_ratings", "titles", "share_of_titles"], types: [.double, .integer, .double], rows: rows)
            return ReportOutput(table: table, notes: ["\(counts.count) rated titles, \(Int(total)) ratings"])
        })
}
