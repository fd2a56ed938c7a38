/// The rating and catalog formats CineMesh reads.
public enum SourceFormat: String, Sendable, Codable, CaseIterable {
    /// MovieLens 100K: `u.data` (tab: user item rating timestamp), `u.item`, `u.user`, `u.genre`;
    /// also its `u1.base`/`u1.test` splits.
    case movieLens100K = "ml-100k"
    /// MovieLens 1M/10M: `ratings.dat`, `movies.dat`, `users.dat`, `tags.dat` (`::` separated).
    case movieLensDat = "ml-dat"
    /// MovieLens latest/20M/25M: `ratings.csv`, `movies.csv`, `tags.csv`, `links.csv`.
    case movieLensCSV = "ml-csv"
    /// Netflix Prize: `combined_data_N.txt` or `mv_*.txt`, with `movie_titles.csv`.
    case netflixPrize = "netflix-prize"
    /// The Netflix titles catalog (`netflix_titles.csv`): a catalog, no ratings.
    case netflixTitles = "netflix-titles"
    /// Any delimited file with a header, mapped with `--columns`.
    case csv

    /// The scale ratings are checked against unless `--scale` says otherwise.
    public var defaultScale: RatingScale {
        switch self {
        case .movieLens100K, .movieLensDat, .netflixPrize, .netflixTitles: return .oneToFive
        case .movieLensCSV: return .halfStars
        case .csv: return RatingScale(min: 0.5, max: 5)
        }
    }
}

/// What a file holds within a source.
public enum SourceRole: String, Sendable, Codable {
    case ratings, catalog, users, tags, links, genres
}
