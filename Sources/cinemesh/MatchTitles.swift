import ArgumentParser
import CineMeshData
import CineMeshNumerics

struct MatchTitles: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match-titles",
        abstract: "Match the titles of one dataset's catalog to another's by normalized title and year, and report the match rate.",
        discussion: """
        Titles are folded (case, accents), stripped of punctuation and of a trailing "(1999)", a leading \
        "The/A/An" or a trailing ", The" (MovieLens' "Matrix, The (1999)" is "The Matrix" of 1999); MovieLens \
        alternate titles in parentheses count too. Years must agree within --year-tolerance.

        Example:
          cinemesh match-titles datasets/netflix-titles datasets/ml-latest-small
        """
    )

    @Argument(help: "The dataset whose titles are matched (e.g. the Netflix titles catalog).")
    var left: String

    @Argument(help: "The dataset they are matched to (e.g. MovieLens).")
    var right: String

    @Option(help: "Years may differ by this much.")
    var yearTolerance = 1

    @Option(help: "Print this many matched and this many unmatched examples.")
    var examples = 5

    func run() throws {
        try reportingErrors {
            guard yearTolerance >= 0 else { throw DataError(.usage, "--year-tolerance must be >= 0") }
            let (l, lt) = try titles(left)
            let (r, _) = try titles(right)
            let report = TitleMatcher(yearTolerance: yearTolerance).match(l, to: r)
            func percent(_ a: Int, _ b: Int) -> String { b == 0 ? "-" : Terminal.fixed(100 * Double(a) / Double(b), 1) + "%" }
            print("\(left): \(Terminal.grouped(l.count)) titles (\(Terminal.grouped(report.withYear)) with a year); \(right): \(Terminal.grouped(r.count)) titles")
            print("matched \(Terminal.grouped(report.matched)) of \(Terminal.grouped(l.count)) (\(percent(report.matched, l.count))): \(Terminal.grouped(report.exactYear)) same year, \(Terminal.grouped(report.nearYear)) within \(yearTolerance) year(s)")
            if let types = lt {
                for type in Set(types).sorted() {
                    let rows = types.indices.filter { types[$0] == type }
                    let m = rows.filter { report.matches[$0] != nil }.count
                    print("  \(Terminal.pad(type, 10)) \(Terminal.grouped(m)) of \(Terminal.grouped(rows.count)) (\(percent(m, rows.count)))")
                }
            }
            let distinctRight = Set(report.matches.compactMap { $0 }).count
            print("distinct \(right) titles matched: \(Terminal.grouped(distinctRight)) of \(Terminal.grouped(r.count)) (\(percent(distinctRight, r.count)))")
            guard examples > 0 else { return }
            print("matched, e.g.:")
            for (i, j) in report.matches.enumerated().compactMap({ p in p.1.map { (p.0, $0) } }).prefix(examples) {
                print("  \(l[i].title) (\(l[i].year.map(String.init) ?? "-"))  =  \(r[j].title)")
            }
            print("unmatched, e.g.:")
            for i in report.matches.indices.filter({ report.matches[$0] == nil }).prefix(examples) {
                print("  \(l[i].title) (\(l[i].year.map(String.init) ?? "-"))")
            }
        }
    }

    /// The catalog titles of a dataset with their years, and its `type` column when it has one.
    private func titles(_ path: String) throws -> ([TitleMatcher.Title], [String]?) {
        let ds = try Dataset(path: path)
        guard let catalog = ds.catalog, let titles = catalog.strings("title") else {
            throw DataError(.usage, file: path, "the dataset has no catalog with titles")
        }
        let years = catalog.ints("year")
        return (titles.indices.map { TitleMatcher.Title(titles[$0], year: years?[$0].map(Int.init)) }, catalog.strings("type"))
    }
}
