import ArgumentParser
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshServing

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Top-N titles for a user from a saved model; the user's training items are left out.",
        discussion: """
        Example:
          cinemesh train datasets/ml-100k --save models/ml100k.cmmodel
          cinemesh recommend models/ml100k.cmmodel --user 196 -n 10
        """
    )

    @Argument(help: "Model file (`cinemesh train --save`) or model store directory (`cinemesh train --store`).")
    var model: String

    @Option(help: "Version to use from a model store (default: the newest).")
    var version: Int?

    @Option(help: "User id, as in the dataset.")
    var user: String

    @Option(name: .short, help: "How many titles.")
    var n = 10

    @Flag(help: "Also consider titles the user rated in training.")
    var includeSeen = false

    @Flag(help: "Print JSON.")
    var json = false

    struct Entry: Codable {
        var rank: Int
        var item: String
        var title: String?
        var year: Int64?
        var genres: [String]?
        var score: Float
    }

    func run() throws {
        try reportingErrors {
            guard n >= 1 && n <= 1000 else { throw DataError(.usage, "-n must be between 1 and 1000") }
            let file = try ModelSource.open(model, version: version)
            guard let u = file.users.index(of: user) else {
                let examples = file.users.ids.prefix(3).map(\.description).joined(separator: ", ")
                throw DataError(.usage, "unknown user '\(user)': the model knows \(file.users.count) users (ids like \(examples))")
            }
            let seen = includeSeen ? [] : Array(file.seen(user: Int(u)))
            let top = TopN.recommend(model: file.model, user: Int(u), n: n, exclude: seen)
            var rowOfItem: [String: Int] = [:]
            if let keys = file.catalog?.strings("item") { for (r, k) in keys.enumerated() { rowOfItem[k] = r } }
            let titles = file.catalog?.strings("title"), years = file.catalog?.ints("year"), genres = file.catalog?.stringLists("genres")
            let entries = top.enumerated().map { rank, pick -> Entry in
                let id = file.items.ids[pick.item].description
                let row = rowOfItem[id]
                return Entry(rank: rank + 1, item: id, title: row.flatMap { titles?[$0] }, year: row.flatMap { years?[$0] ?? nil },
                             genres: row.flatMap { genres?[$0] }, score: file.reportedScore(pick.score))
            }
            if json {
                print(String(decoding: try JSON.encode(entries), as: UTF8.self), terminator: "")
                return
            }
            print("top \(entries.count) for user \(user) (\(file.metadata.algorithm) model on \(file.metadata.dataset); \(seen.count) rated titles left out)")
            for e in entries {
                let genreText = e.genres.map { $0.isEmpty ? "" : "  [" + $0.joined(separator: ", ") + "]" } ?? ""
                print("\(Terminal.pad(String(e.rank), 4, right: true)). \(Terminal.pad(Terminal.fixed(Double(e.score), 3), 7, right: true))  \(e.title ?? "(item \(e.item))")\(genreText)")
            }
        }
    }
}
