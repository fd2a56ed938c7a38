/// Which columns of a delimited rating file hold the user, item, rating and (optionally) timestamp:
/// header names (case-insensitive) or 0-based indices. Written `user=userId,item=movieId,rating=rating,timestamp=ts`.
public struct ColumnMapping: Sendable, Equatable {
    public enum Ref: Sendable, Equatable {
        case name(String)
        case index(Int)
    }

    public var user: Ref
    public var item: Ref
    public var rating: Ref
    public var timestamp: Ref?

    public init(user: Ref, item: Ref, rating: Ref, timestamp: Ref?) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
    }

    /// Parses the command-line form; nil with a reason when malformed.
    public static func parse(_ text: String) -> Result<ColumnMapping, DataError> {
        var found: [String: Ref] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard kv.count == 2, !kv[1].isEmpty else {
                return .failure(DataError(.usage, "--columns: '\(part)' is not ROLE=COLUMN"))
            }
            let role = kv[0].lowercased()
            guard ["user", "item", "rating", "timestamp"].contains(role) else {
                return .failure(DataError(.usage, "--columns: unknown role '\(kv[0])' (expected user, item, rating, timestamp)"))
            }
            found[role] = Int(kv[1]).map { .index($0) } ?? .name(kv[1])
        }
        guard let u = found["user"], let i = found["item"], let r = found["rating"] else {
            return .failure(DataError(.usage, "--columns must name user, item and rating (e.g. user=userId,item=movieId,rating=rating)"))
        }
        return .success(ColumnMapping(user: u, item: i, rating: r, timestamp: found["timestamp"]))
    }

    static let userNames = ["user", "userid", "user_id", "customer", "customerid", "customer_id", "uid"]
    static let itemNames = ["item", "itemid", "item_id", "movie", "movieid", "movie_id", "show_id", "title_id", "iid"]
    static let ratingNames = ["rating", "score", "stars", "value"]
    static let timestampNames = ["timestamp", "time", "date", "ts", "datetime", "rated_at"]

    /// Resolves against a header; a missing column is an error naming the file and what was expected.
    func resolve(header: [String], file: String) throws -> (user: Int, item: Int, rating: Int, timestamp: Int?) {
        let lower = header.map { $0.trimmingSpaces.lowercased() }
        func find(_ ref: Ref, _ role: String) throws -> Int {
            switch ref {
            case .index(let i):
                guard i >= 0 && i < header.count else {
                    throw DataError(.usage, file: file, line: 1, "\(role) column index \(i) is out of range (the file has \(header.count) columns)")
                }
                return i
            case .name(let n):
                guard let i = lower.firstIndex(of: n.lowercased()) else {
                    throw DataError(.usage, file: file, line: 1, "no column named '\(n)' for \(role) in the header (\(header.joined(separator: ", ")))")
                }
                return i
            }
        }
        return (try find(user, "user"), try find(item, "item"), try find(rating, "rating"), try timestamp.map { try find($0, "timestamp") })
    }

    /// Guesses a mapping from common header names.
    static func guess(header: [String], file: String) throws -> ColumnMapping {
        let lower = header.map { $0.trimmingSpaces.lowercased() }
        func pick(_ names: [String], _ role: String) throws -> Ref {
            guard let n = lower.first(where: names.contains) else {
                throw DataError(.usage, file: file, line: 1,
                                "cannot tell which column holds the \(role) (header: \(header.joined(separator: ", "))); pass --columns user=NAME,item=NAME,rating=NAME[,timestamp=NAME]")
            }
            return .name(n)
        }
        let ts = lower.first(where: timestampNames.contains).map { Ref.name($0) }
        return ColumnMapping(user: try pick(userNames, "user"), item: try pick(itemNames, "item"), rating: try pick(ratingNames, "rating"), timestamp: ts)
    }
}
