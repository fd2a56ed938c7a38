import CineMeshCluster
import Foundation

/// How jobs look in the terminal: one-line rows, the detailed status, and a live progress line.
enum JobView {
    static func header() -> String {
        "  " + Terminal.pad("job", 6, right: true) + "  " + Terminal.pad("type", 8) + Terminal.pad("state", 12) + Terminal.pad("tasks", 12)
            + Terminal.pad("seconds", 9, right: true) + "  " + Terminal.pad("submitted", 21) + "dataset"
    }

    static func row(_ r: JobRecord) -> String {
        let tasks = r.tasksTotal > 0 ? "\(r.tasksDone)/\(r.tasksTotal)" : "-"
        return "  " + Terminal.pad(String(r.id), 6, right: true) + "  " + Terminal.pad(r.type, 8) + Terminal.pad(r.state.rawValue, 12)
            + Terminal.pad(tasks, 12) + Terminal.pad(seconds(r).map { Terminal.fixed($0, 2) } ?? "-", 9, right: true) + "  "
            + Terminal.pad(time(r.submittedAt), 21) + r.dataset
    }

    static func detail(_ r: JobRecord) -> String {
        var out = ["job \(r.id): \(r.type) on \(r.dataset) - \(r.state.rawValue)"]
        out.append("  submitted \(time(r.submittedAt))" + (r.finishedAt.map { ", ended \(time($0))" } ?? "")
                   + (seconds(r).map { " (\(Terminal.fixed($0, 3)) s)" } ?? ""))
        if r.stageIndex > 0 { out.append("  stage \(r.stageIndex) '\(r.stage)': \(r.tasksDone)/\(r.tasksTotal) tasks, \(r.retries) retries") }
        if !r.spec.parameters.isEmpty {
            out.append("  parameters: " + r.spec.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let c = r.checkpoint, !r.state.isFinal { out.append("  checkpoint after \(c): a restarted coordinator resumes the job from it") }
        if let e = r.error { out.append("  error: \(e)") }
        if let s = r.summary { out.append(""); out.append(s) }
        return out.joined(separator: "\n")
    }

    /// One line for `status --follow`: stage, a bar, done/total, elapsed, ETA and live metrics.
    static func progress(_ r: JobRecord, now: Double) -> String {
        let elapsed = now - (r.startedAt ?? r.submittedAt)
        let fraction = r.tasksTotal > 0 ? Double(r.tasksDone) / Double(r.tasksTotal) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = fraction > 0 && fraction < 1 ? elapsed / fraction * (1 - fraction) : nil
        let figures = r.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value == $0.value.rounded() && abs($0.value) < 1e15 ? String(Int($0.value)) : Terminal.fixed($0.value, 4))" }
        return "job \(r.id) \(r.state.rawValue)  stage \(r.stageIndex) \(r.stage)  [\(bar)] \(r.tasksDone)/\(r.tasksTotal)  "
            + "elapsed \(Terminal.fixed(elapsed, 1)) s" + (eta.map { "  ETA \(Terminal.fixed($0, 1)) s" } ?? "")
            + (r.retries > 0 ? "  retries \(r.retries)" : "") + (figures.isEmpty ? "" : "  " + figures.joined(separator: "  "))
    }

    static func seconds(_ r: JobRecord) -> Double? {
        guard let start = r.startedAt else { return nil }
        return (r.finishedAt ?? Date().timeIntervalSince1970) - start
    }

    static func time(_ t: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    /// Polls until the job ends, redrawing the progress line on a terminal (one line per change
    /// otherwise). Returns the final record.
    /// Polls quickly at first (a short query is done in milliseconds), then every `interval` s
    /// (every 5 ms when `quiet`: a query's caller waits for the answer, not for a progress line).
    static func follow(_ id: Int64, client: ClusterClient, interval: Double = 0.2, quiet: Bool = false) throws -> JobRecord {
        let live = isatty(2) != 0 && !quiet
        var last: (JobState, Int, Int)?
        var wait = 0.001
        while true {
            let r = try client.status(id)
            let line = progress(r, now: Date().timeIntervalSince1970)
            if live {
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            } else if !quiet, last.map({ $0 != (r.state, r.stageIndex, r.tasksDone) }) ?? true {
                // Not a terminal: one line per change, not a redraw every poll.
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            last = (r.state, r.stageIndex, r.tasksDone)
            if r.state.isFinal {
                if live { FileHandle.standardError.write(Data("\n".utf8)) }
                return r
            }
            usleep(UInt32(wait * 1_000_000))
            wait = min(quiet ? 0.005 : interval, wait * 1.5)
        }
    }
}
