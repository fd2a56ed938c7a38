import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

/// The `stats` job: one task per grid block computes `BlockStats` on a worker from the block's
/// shard file; the coordinator merges them in row-major order into `DatasetStats`, the same bits
/// as the single-process `DatasetStats(computing:)`.
///
/// Parameters: `task_delay_ms` (default 0) makes each task sleep first, so fault-tolerance tests
/// and demonstrations can kill a worker mid-job.
public final class StatsJob: JobDriver {
    public static let type = JobType(name: "stats", summary: "per-block counts, sums, extremes and histograms, merged",
                                     validate: { _ = try delay($0) }) { spec, dataset, _ in
        try StatsJob(spec: spec, dataset: dataset)
    }

    private let dataset: Dataset
    private let delay: Int
    private var planned = false
    private var blocks: [BlockStats?]

    init(spec: JobSpec, dataset: Dataset) throws {
        delay = try Self.delay(spec)
        self.dataset = dataset
        blocks = Array(repeating: nil, count: dataset.grid.blockCount)
    }

    /// The `task_delay_ms` parameter (the only one).
    static func delay(_ spec: JobSpec) throws -> Int {
        for key in spec.parameters.keys where key != "task_delay_ms" {
            throw JobError("stats: unknown parameter '\(key)' (known: task_delay_ms)")
        }
        guard let text = spec.parameters["task_delay_ms"] else { return 0 }
        guard let d = Int(text), (0 ... 600_000).contains(d) else { throw JobError("stats: task_delay_ms must be 0...600000, not '\(text)'") }
        return d
    }

    public func nextStage() throws -> StagePlan? {
        guard !planned else { return nil }
        planned = true
        let m = dataset.manifest
        let tasks = m.blocks.sorted { ($0.row, $0.column) < ($1.row, $1.column) }.map { b in
            StatsBlockTask(row: b.row, column: b.column, scale: TaskScale(m.ratingScale), delayMilliseconds: delay)
                .plan(files: [FileRef(xxh64: b.xxh64, bytes: b.bytes, name: b.file)])
        }
        return StagePlan(name: "block-stats", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        guard let json = output["stats"],
              let stats = try? JSONDecoder().decode(BlockStats.self, from: Data(json.utf8)) else {
            throw JobError("stats: task \(index) returned no block statistics")
        }
        let cols = dataset.grid.columns
        guard stats.row * cols + stats.column == index else {
            throw JobError("stats: task \(index) returned block (\(stats.row), \(stats.column))")
        }
        blocks[index] = stats
    }

    public func finish() throws -> JobOutcome {
        let all = blocks.compactMap { $0 }
        guard all.count == blocks.count else { throw JobError("stats: \(blocks.count - all.count) blocks have no result") }
        let m = dataset.manifest
        let stats = DatasetStats(dataset: m.name, scale: m.ratingScale, users: m.users, items: m.items, blocks: all)
        let result = String(decoding: try JSON.encode(stats), as: UTF8.self)
        return JobOutcome(result: result, summary: Self.summary(stats))
    }

    public var metrics: [String: Double] {
        ["blocks_done": Double(blocks.lazy.filter { $0 != nil }.count)]
    }

    /// Human-readable lines for `cinemesh status`.
    public static func summary(_ s: DatasetStats) -> String {
        var lines: [String] = []
        let t = s.total
        lines.append("\(s.dataset): \(t.count) ratings, \(s.users) users, \(s.items) items, scale \(s.scale)")
        if let mean = t.mean, let sd = t.standardDeviation, let lo = t.min, let hi = t.max {
            lines.append(String(format: "mean %.4f, std %.4f, min %g, max %g", mean, sd, Double(lo), Double(hi)))
        }
        let peak = max(t.histogram.max() ?? 1, 1)
        for (k, n) in t.histogram.enumerated() {
            let bar = String(repeating: "#", count: Int((Double(n) / Double(peak) * 40).rounded()))
            lines.append(String(format: "%6g %9d ", s.binLabels[k], n) + bar)
        }
        lines.append(String(format: "%d blocks, largest at %.2fx the mean", s.blocks.count, s.imbalance))
        return lines.joined(separator: "\n")
    }
}
