import ArgumentParser
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation

struct Similar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "More like this: the titles most similar to a title by content (catalog metadata and text, TF-IDF and cosine), or content recommendations for a user.",
        discussion: """
        SOURCE is a dataset directory (the content model is built on the spot from its catalog and tags) or a \
        content model file written by --save, or by `cinemesh train --algo item-knn --save` (neighbours by ratings). Each item is a TF-IDF vector of namespaced metadata tokens \
        (genre:, director:, cast:, country:, type:, decade:), the words of its title and description and its \
        users' tags; docs/CONTENT.md says how they are weighted.

        Examples:
          cinemesh similar datasets/netflix-titles --title "Stranger Things"
          cinemesh similar datasets/netflix-titles --item s8 --n 5
          cinemesh similar datasets/ml-latest-small --title "Matrix, The" --year 1999
          cinemesh similar datasets/ml-latest-small --user 1 --n 10
          cinemesh similar datasets/netflix-titles --save models/netflix.cmneigh
          cinemesh similar models/netflix.cmneigh --title "Narcos"
        """
    )

    @Argument(help: "A dataset directory or a content model file.")
    var source: String

    @Option(help: "The title to find similar ones for (matched after normalization: case, accents, punctuation, a leading or trailing article).")
    var title: String?

    @Option(help: "With --title: the release year, when several titles share the name.")
    var year: Int?

    @Option(help: "The item id (the catalog's id, e.g. Netflix show_id s1 or a MovieLens movieId).")
    var item: String?

    @Option(help: "Recommend for this user (a dataset with ratings): the items closest to the rating-weighted mean of the vectors of the items they rated, rated ones left out.")
    var user: String?

    @Option(help: "How many titles to print.")
    var n = 10

    @Option(help: "Neighbours kept per item in the model (building from a dataset).")
    var k = ContentParameters().k

    @Flag(help: "Do not stem words (the S-stemmer conflates plurals).")
    var noStem = false

    @Option(help: "Write the content model (top-K neighbour lists, ids, titles) to this file.")
    var save: String?

    func run() throws {
        try reportingErrors {
            guard [title, item, user].compactMap({ $0 }).count <= 1 else { throw DataError(.usage, "give one of --title, --item, --user") }
            guard n > 0 else { throw DataError(.usage, "--n must be positive") }
            if FileSystem.isDirectory(source) { try fromDataset() } else { try fromModel() }
        }
    }

    private func fromDataset() throws {
        let ds = try Dataset(path: source)
        guard let catalog = ds.catalog else {
            throw DataError(.usage, file: source, "the dataset has no catalog: content similarity needs titles and their metadata")
        }
        var parameters = ContentParameters()
        parameters.k = k
        parameters.stem = !noStem
        let trainer = try ContentTrainer(parameters: parameters)
        let fit = try trainer.fit(catalog: catalog, tags: ds.tags, file: FileSystem.join(source, "catalog.table"))
        let m = fit.matrix.rows
        print("content model of \(ds.manifest.name): \(Terminal.grouped(m.rowCount)) items, \(Terminal.grouped(m.columnCount)) terms, \(Terminal.grouped(m.values.count)) non-zeros; tokenize \(Terminal.fixed(fit.tokenizeSeconds, 3)) s, tf-idf \(Terminal.fixed(fit.tfidfSeconds, 3)) s, top-\(k) cosine \(Terminal.fixed(fit.neighborSeconds, 3)) s")
        let file = try trainer.modelFile(fit, catalog: catalog, dataset: ds.manifest.name, contentHash: ds.manifest.contentHash)
        if let save {
            try file.write(to: save)
            print("saved \(save)")
        }
        if let user {
            try recommend(user: user, dataset: ds, fit: fit, display: file.catalog)
        } else if title != nil || item != nil {
            try printSimilar(file)
        }
    }

    private func fromModel() throws {
        guard user == nil else { throw DataError(.usage, "--user needs the dataset (the profile is built from item vectors): give the dataset directory") }
        guard save == nil else { throw DataError(.usage, "--save builds a model from a dataset: \(source) is a model file already") }
        let file = try ContentModelFile.read(source)
        try printSimilar(file)
    }

    /// The catalog row the --title or --item names, or an error saying what is near.
    private func row(in file: ContentModelFile) throws -> Int {
        let ids = file.catalog.strings("item") ?? []
        let titles = file.catalog.strings("title") ?? []
        let years = file.catalog.ints("year")
        if let item {
            guard let r = ids.firstIndex(of: item) else {
                throw DataError(.usage, "unknown item '\(item)': the catalog has \(ids.count) items (ids like \(ids.prefix(3).joined(separator: ", ")))")
            }
            return r
        }
        guard let title else { throw DataError(.usage, "give --title, --item or --user") }
        var rows = TitleMatcher.find(title, in: titles)
        if let year { rows = rows.filter { years?[$0].map(Int.init) == year } }
        guard let first = rows.first else {
            let near = TitleMatcher.suggestions(for: title, in: titles).map { "\"\(titles[$0])\"" + (years?[$0].map { " (\($0))" } ?? "") }
            throw DataError(.usage, "no title '\(title)'\(year.map { " of \($0)" } ?? "") in the catalog" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?"))
        }
        if rows.count > 1 {
            Terminal.note("\(rows.count) titles match '\(title)': using \(ids[first]) (\(years?[first].map(String.init) ?? "no year")); others: \(rows.dropFirst().map { "\(ids[$0]) (\(years?[$0].map(String.init) ?? "-"))" }.joined(separator: ", ")); --year or --item picks one")
        }
        return first
    }

    private func printSimilar(_ file: ContentModelFile) throws {
        guard title != nil || item != nil else { return }
        let r = try row(in: file)
        let list = file.neighbors.of(r)
        let by = file.metadata.algorithm == "content" ? "" : " (by ratings: \(file.metadata.algorithm) neighbours)"
        print("more like \(describe(file.catalog, r))\(by):")
        printTable(file.catalog, Array(zip(list.neighbors.prefix(n).map(Int.init), list.scores.prefix(n))))
    }

    private func recommend(user: String, dataset ds: Dataset, fit: ContentTrainer.Result, display: ColumnTable) throws {
        guard let u = ds.users.index(of: user) else {
            throw DataError(.usage, "unknown user '\(user)': the dataset has \(ds.users.count) users (ids like \(ds.users.ids.prefix(3).map(\.description).joined(separator: ", ")))")
        }
        let rowOfItem = ds.catalogRows()
        let gridRow = ds.grid.row(ofUser: u)
        var items: [Int] = [], ratings: [Float] = []
        for c in 0 ..< ds.grid.columns {
            let b = try ds.block(row: gridRow, column: c, includeTimestamps: false)
            for x in 0 ..< b.count where b.users[x] == u {
                guard let r = rowOfItem[Int(b.items[x])] else { continue }
                items.append(r)
                ratings.append(b.ratings[x])
            }
        }
        guard !items.isEmpty else { throw DataError(.usage, "user '\(user)' rated no title of the catalog: no profile to recommend from") }
        let top = ContentProfile(rows: fit.matrix.rows).recommend(items: items, ratings: ratings, n: n)
        print("content recommendations for user \(user) (profile of \(items.count) rated titles, left out):")
        printTable(display, top)
    }

    private func describe(_ catalog: ColumnTable, _ r: Int) -> String {
        let title = catalog.strings("title")?[r] ?? "?"
        // MovieLens titles carry their year already: "Matrix, The (1999)".
        let year = catalog.ints("year")?[r].map { " (\($0))" }.flatMap { title.hasSuffix($0) ? "" : $0 } ?? ""
        let type = catalog.strings("type").map { ", \($0[r])" } ?? ""
        return "\(title)\(year)\(type) [\(catalog.strings("item")?[r] ?? "?")]"
    }

    private func printTable(_ catalog: ColumnTable, _ rows: [(item: Int, score: Float)]) {
        let titles = catalog.strings("title") ?? [], years = catalog.ints("year"), types = catalog.strings("type")
        let width = min(60, max(5, rows.map { titles[$0.item].count }.max() ?? 5))
        print("  #  \(Terminal.pad("title", width))  year  \(types == nil ? "" : Terminal.pad("type", 8) + "  ")score")
        for (rank, e) in rows.enumerated() {
            let t = titles[e.item].count > width ? String(titles[e.item].prefix(width - 1)) + "…" : titles[e.item]
            let y = years?[e.item].map(String.init) ?? "-"
            let ty = types.map { Terminal.pad($0[e.item], 8) + "  " } ?? ""
            print("\(Terminal.pad(String(rank + 1), 3, right: true))  \(Terminal.pad(t, width))  \(Terminal.pad(y, 4))  \(ty)\(Terminal.fixed(Double(e.score), 4))")
        }
    }
}
