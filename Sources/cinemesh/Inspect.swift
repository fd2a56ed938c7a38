import ArgumentParser
import CineMeshData

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize a dataset: counts, density, rating histogram, most-rated titles, grid balance. Verifies every file."
    )

    @Argument(help: "Dataset directory.")
    var dataset: String

    @Option(help: "How many most-rated titles to list.")
    var top = 10

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let summary = try DatasetSummary(dataset: try Dataset(path: dataset), top: max(0, top))
            if json {
                print(String(decoding: try JSON.encode(summary), as: UTF8.self), terminator: "")
            } else {
                print(Self.render(summary))
            }
        }
    }

    static func render(_ s: DatasetSummary) -> String {
        var out: [String] = []
        out.append("dataset \(s.name) (\(s.sourceFormat))  content \(s.contentHash)")
        out.append("  users \(Terminal.grouped(s.users))   items \(Terminal.grouped(s.items))   ratings \(Terminal.grouped(s.ratings))   density \(Terminal.fixed(s.density * 100, 3))%")
        out.append("  mean rating \(Terminal.fixed(s.meanRating, 3)) on scale \(s.ratingScale)")
        if let a = s.firstRating, let b = s.lastRating { out.append("  rated from \(a) to \(b)") }
        out.append("  ratings per user: min \(s.ratingsPerUser.min), median \(s.ratingsPerUser.median), max \(s.ratingsPerUser.max), mean \(Terminal.fixed(s.ratingsPerUser.mean, 1))")
        out.append("  ratings per item: min \(s.ratingsPerItem.min), median \(s.ratingsPerItem.median), max \(s.ratingsPerItem.max), mean \(Terminal.fixed(s.ratingsPerItem.mean, 1))")
        if let c = s.catalogTitles { out.append("  catalog: \(Terminal.grouped(c)) titles") }
        out.append("")
        out.append("rating histogram")
        let peak = max(1, s.histogram.map(\.count).max() ?? 1)
        for bin in s.histogram {
            let label = bin.from == bin.to ? Terminal.fixed(bin.from, 1) : "\(Terminal.fixed(bin.from, 2))-\(Terminal.fixed(bin.to, 2))"
            let bar = String(repeating: "#", count: Int((Double(bin.count) / Double(peak) * 40).rounded()))
            let share = s.ratings > 0 ? Double(bin.count) / Double(s.ratings) * 100 : 0
            out.append("  \(Terminal.pad(label, 10, right: true))  \(Terminal.pad(Terminal.grouped(bin.count), 12, right: true))  \(Terminal.pad(Terminal.fixed(share, 1), 5, right: true))%  \(bar)")
        }
        if !s.mostRated.isEmpty {
            out.append("")
            out.append("most-rated titles")
            for (k, t) in s.mostRated.enumerated() {
                out.append("  \(Terminal.pad(String(k + 1), 3, right: true)). \(Terminal.pad(t.title ?? "(no title)", 50)) \(Terminal.pad(Terminal.grouped(t.ratings), 9, right: true)) ratings, mean \(Terminal.fixed(t.meanRating, 2))   [item \(t.item)]")
            }
        }
        out.append("")
        out.append("grid \(s.gridRows)x\(s.gridColumns): ratings per block (imbalance \(Terminal.fixed(s.blockImbalance, 2)): largest / mean)")
        for (r, row) in s.blockRatings.enumerated() {
            out.append("  row \(Terminal.pad(String(r), 3, right: true)) " + row.map { Terminal.pad(Terminal.grouped($0), 11, right: true) }.joined())
        }
        if !s.skipped.isEmpty {
            out.append("")
            out.append("rows skipped at ingest: " + s.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if s.duplicatesResolved > 0 { out.append("duplicates resolved at ingest: \(s.duplicatesResolved)") }
        return out.joined(separator: "\n")
    }
}
