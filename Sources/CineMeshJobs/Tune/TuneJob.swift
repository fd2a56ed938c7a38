import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation

/// The `tune` job: a hyper-parameter search as parallel trials, one task per trial, each training
/// a whole model with the one-process trainer on a worker (which fetches every shard once) on the
/// same split, and scoring it on the held-out ratings. Trials that use early stopping stop on their
/// own. The result ranks the trials: by held-out RMSE (svd, als) or NDCG@10 (als-implicit).
///
/// Parameters: `grid` ("reg=0.02,0.05;lr=0.005,0.01": a value list per key), `search` (`grid`,
/// every combination, or `random`, `trials` of them drawn with `seed`), and any `train` parameter
/// as the value every trial shares (`algo`, `epochs`, `split`, ...).
public final class TuneJob: JobDriver {
    public static let type = JobType(name: "tune", summary: "hyper-parameter search as parallel trials",
                                     validate: { _ = try trials($0.parameters) }) { spec, dataset, _ in
        try TuneJob(spec: spec, dataset: dataset)
    }

    /// One trial's outcome, as the worker reports it.
    public struct Trial: Codable, Sendable, Equatable {
        public var parameters: [String: String]
        public var metrics: [String: Double]
        public var epochs: [EpochReport]
        public var seconds: Double
    }

    /// The job's result: trials best first, and the metric they are ranked by.
    public struct Outcome: Codable, Sendable, Equatable {
        public var metric: String
        public var trials: [Trial]
    }

    private let dataset: Dataset
    private let combinations: [[String: String]]
    private var planned = false
    private var results: [Trial?]

    init(spec: JobSpec, dataset: Dataset) throws {
        self.dataset = dataset
        combinations = try Self.trials(spec.parameters)
        results = Array(repeating: nil, count: combinations.count)
    }

    /// The full `train` parameters of every trial, validated.
    static func trials(_ parameters: [String: String]) throws -> [[String: String]] {
        guard let text = parameters["grid"] else { throw JobError("tune: a 'grid' parameter is required, e.g. grid=reg=0.02,0.05;lr=0.005,0.01") }
        var base = parameters
        for key in ["grid", "search", "trials"] { base[key] = nil }
        var axes: [(String, [String])] = []
        for part in text.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else { throw JobError("tune: grid entry '\(part)' is not KEY=V1,V2,...") }
            let values = kv[1].split(separator: ",").map(String.init)
            guard !values.isEmpty else { throw JobError("tune: grid key '\(kv[0])' has no values") }
            guard TrainSpec.keys.contains(kv[0]), kv[0] != "algo" else { throw JobError("tune: '\(kv[0])' is not a train parameter to search") }
            axes.append((kv[0], values))
        }
        guard !axes.isEmpty else { throw JobError("tune: the grid is empty") }
        var combos: [[String: String]] = [base]
        for (key, values) in axes {
            combos = combos.flatMap { c in values.map { v in c.merging([key: v]) { _, new in new } } }
        }
        guard combos.count <= 10_000 else { throw JobError("tune: \(combos.count) combinations; at most 10,000") }
        switch parameters["search"] ?? "grid" {
        case "grid":
            break
        case "random":
            guard let n = parameters["trials"].flatMap(Int.init), n >= 1 else { throw JobError("tune: search=random needs trials=N (N >= 1)") }
            var rng = SeededRandom(seed: parameters["seed"].flatMap(UInt64.init) ?? 0, stream: 0x7E57)
            combos.shuffle(using: &rng)
            combos = Array(combos.prefix(n))
        case let other:
            throw JobError("tune: search '\(other)' is not grid or random")
        }
        for c in combos { _ = try TrainSpec(parameters: c) }
        return combos
    }

    public func nextStage() throws -> StagePlan? {
        guard !planned else { return nil }
        planned = true
        let m = dataset.manifest
        let files = m.blocks.sorted { ($0.row, $0.column) < ($1.row, $1.column) }.map { FileRef(xxh64: $0.xxh64, bytes: $0.bytes, name: $0.file) }
        let tasks = combinations.map { c in
            TuneTrialTask(trial: c, users: m.users, items: m.items, grid: m.grid, scale: TaskScale(m.ratingScale)).plan(files: files)
        }
        return StagePlan(name: "trials", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        guard let json = output["trial"], let trial = try? JSONDecoder().decode(Trial.self, from: Data(json.utf8)) else {
            throw JobError("tune: trial \(index) returned no result")
        }
        results[index] = trial
    }

    public func finish() throws -> JobOutcome {
        let trials = results.compactMap { $0 }
        let implicit = combinations.first?["algo"] == "als-implicit"
        let metric = implicit ? "ndcg@10" : "rmse"
        let ranked = trials.sorted {
            let a = $0.metrics[metric] ?? .nan, b = $1.metrics[metric] ?? .nan
            return implicit ? a > b : a < b
        }
        let outcome = Outcome(metric: metric, trials: ranked)
        return JobOutcome(result: String(decoding: try JSON.encode(outcome), as: UTF8.self), summary: Self.summary(outcome))
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["trials_done": Double(results.lazy.filter { $0 != nil }.count)]
        let implicit = combinations.first?["algo"] == "als-implicit"
        let scores = results.compactMap { $0?.metrics[implicit ? "ndcg@10" : "rmse"] }
        if let best = implicit ? scores.max() : scores.min() { m[implicit ? "best_ndcg@10" : "best_rmse"] = best }
        return m
    }

    static func summary(_ o: Outcome) -> String {
        guard let best = o.trials.first else { return "no trials" }
        let keys = Set(o.trials.flatMap { $0.parameters.keys })
        let varying = keys.filter { k in Set(o.trials.map { $0.parameters[k] ?? "" }).count > 1 }.sorted()
        var lines = ["rank  " + varying.map { $0.padding(toLength: max(8, $0.count), withPad: " ", startingAt: 0) }.joined(separator: "  ")
                     + "  " + o.metric.padding(toLength: 8, withPad: " ", startingAt: 0) + "  epochs  seconds"]
        for (n, t) in o.trials.enumerated() {
            let cells = varying.map { ($0, t.parameters[$0] ?? "-") }.map { k, v in v.padding(toLength: max(8, k.count), withPad: " ", startingAt: 0) }
            lines.append(String(format: "%4d  ", n + 1) + cells.joined(separator: "  ") + "  "
                         + String(format: "%8.4f  %6d  %7.2f", t.metrics[o.metric] ?? .nan, t.epochs.count, t.seconds))
        }
        lines.append("best: " + varying.map { "\($0)=\(best.parameters[$0] ?? "-")" }.joined(separator: " ")
                     + " (\(o.metric) " + String(format: "%.4f", best.metrics[o.metric] ?? .nan) + ")")
        return lines.joined(separator: "\n")
    }
}
