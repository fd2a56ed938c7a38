import ArgumentParser
import Foundation
import CineMeshData
import CineMeshNumerics

/// `cinemesh sessions DATASET`: next-item recommenders on rating sessions, evaluated side by side.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Cut rating sessions by a time gap and evaluate next-item recommenders on the latest ones.",
        discussion: """
        Each user's ratings, by time, start a new session after a gap longer than --session-gap. The \
        latest --test-fraction of the sessions (by start time) are held out; at every position of a \
        held-out session each model sees the items so far and names --cutoff items. Models: popular \
        (the items in the most training sessions), sr (item-to-item transitions within --steps \
        positions, weighted 1/distance, over the session's last --window items with recency weights \
        1, 1/2, 1/3, ...) and sknn (session-kNN: the --k most similar of the --sample most recent \
        past sessions sharing an item, by cosine of item sets). Reports hit rate and MRR at the cutoff.
        """
    )

    @Argument(help: "Dataset directory (with timestamps).")
    var dataset: String

    @Option(name: .customLong("session-gap"), help: "A longer pause starts a new session: 90s, 30m, 2h, 1d, or seconds.")
    var sessionGap = "30m"

    @Option(name: .customLong("test-fraction"), help: "The share of sessions, the latest by start time, held out.")
    var testFraction = 0.1

    @Option(help: "Items each answer names (HR@cutoff, MRR@cutoff).")
    var cutoff = 20

    @Option(help: "sknn: neighbour sessions that vote.")
    var k = 100

    @Option(help: "sknn: the most recent past sessions sharing an item that are compared.")
    var sample = 500

    @Option(help: "sr and sknn: the session's last items they look at.")
    var window = 10

    @Option(help: "sr: how many positions ahead a transition counts.")
    var steps = 10

    @Option(help: "Instead of evaluating: the next items after these, in the order watched (item ids, comma-separated), from sr trained on every session.")
    var after: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let gap = try Self.seconds(sessionGap)
            guard testFraction > 0, testFraction < 1 else { throw DataError(.usage, "--test-fraction must be between 0 and 1, not \(testFraction)") }
            for (name, value) in [("--cutoff", cutoff), ("--k", k), ("--sample", sample), ("--window", window), ("--steps", steps)] where value < 1 {
                throw DataError(.usage, "\(name) must be at least 1, not \(value)")
            }
            let data = try Dataset(path: dataset)
            let log = try SessionLog(dataset: data, gap: gap)
            if let after {
                try next(after, data, log)
                return
            }
            let report = SessionReport(log: log, gapSeconds: gap, testFraction: testFraction, cutoff: cutoff, k: k,
                                       sampleSize: sample, window: window, steps: steps)
            if json {
                print(String(decoding: try JSON.encode(report), as: UTF8.self))
                return
            }
            print("sessions: \(Terminal.grouped(report.sessions)) with a gap of \(sessionGap) (median \(report.medianLength) items, mean \(Terminal.fixed(report.meanLength, 1)))")
            print("held out: the latest \(Terminal.grouped(report.testSessions)); trained on \(Terminal.grouped(report.trainingSessions))")
            print("  model     HR@\(cutoff)    MRR@\(cutoff)   coverage  predictions  seconds")
            for m in report.models {
                print("  " + Terminal.pad(m.model, 8) + Terminal.pad(Terminal.fixed(m.hitRate, 4), 9, right: true)
                      + Terminal.pad(Terminal.fixed(m.mrr, 4), 9, right: true) + Terminal.pad(Terminal.fixed(m.coverage, 3), 11, right: true)
                      + Terminal.pad(Terminal.grouped(m.predictions), 13, right: true) + Terminal.pad(Terminal.fixed(m.seconds, 2), 9, right: true))
            }
        }
    }

    /// The `--cutoff` next items after `ids` from the transitions of every session, with titles.
    private func next(_ ids: String, _ data: Dataset, _ log: SessionLog) throws {
        var prefix: [UInt32] = []
        for id in ids.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !id.isEmpty {
            guard let index = data.items.index(of: id) else { throw DataError(.usage, file: dataset, "--after: no item '\(id)' in the dataset") }
            prefix.append(index)
        }
        guard !prefix.isEmpty else { throw DataError(.usage, "--after needs at least one item id") }
        var rules = SequentialRules(log, training: Array(0 ..< log.count), steps: steps, window: window)
        let answer = rules.recommend(after: prefix[...], n: cutoff)
        let rows = data.catalogRows(), titles = data.catalog?.strings("title")
        func title(_ item: Int) -> String { rows[item].flatMap { r in titles?[r] } ?? "(no title)" }
        if json {
            let items = answer.map { ["item": data.items.ids[$0].description, "title": title($0)] }
            print(String(decoding: try JSON.encode(items), as: UTF8.self))
            return
        }
        print("after " + prefix.map { "\(title(Int($0))) [\(data.items.ids[Int($0)])]" }.joined(separator: ", "))
        if answer.isEmpty { print("  no session in the dataset goes on from these items") }
        for (rank, item) in answer.enumerated() {
            print("  \(Terminal.pad(String(rank + 1), 3, right: true)). \(title(item))   [item \(data.items.ids[item])]")
        }
    }

    /// "90s", "30m", "2h", "1d" or a number of seconds.
    static func seconds(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text), unit: Int64 = 1
        if let last = text.last, let u = units[last] { digits = text.dropLast(); unit = u }
        guard let n = Int64(digits), n > 0 else {
            throw DataError(.usage, "--session-gap '\(text)' is not a duration (90s, 30m, 2h, 1d, or seconds)")
        }
        return n * unit
    }
}
