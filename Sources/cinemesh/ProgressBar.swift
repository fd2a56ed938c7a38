#if canImport(Glibc)
import Glibc
#endif
import CineMeshData

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs, pipes and tests
/// see nothing): `epoch 3/20 [#######.........] 7/16 blocks  0:12 elapsed, ETA 0:41`.
struct ProgressBar {
    let total: Int
    let started = monotonicSeconds()
    private let enabled = isatty(2) != 0
    private var lastDraw = 0.0

    init(epochs: Int) { total = epochs }

    /// Redraws for block `done` of `blocks` in `epoch` (at most 10 times a second).
    mutating func update(epoch: Int, done: Int, blocks: Int) {
        guard enabled else { return }
        let now = monotonicSeconds()
        if now - lastDraw < 0.1 && done < blocks { return }
        lastDraw = now
        let fraction = (Double(epoch - 1) + Double(done) / Double(max(blocks, 1))) / Double(max(total, 1))
        let elapsed = now - started
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let width = 24
        let filled = Int((Double(width) * Double(done) / Double(max(blocks, 1))).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        write("\r  epoch \(epoch)/\(total) [\(bar)] \(done)/\(blocks) blocks  \(Self.clock(elapsed)) elapsed, ETA \(Self.clock(eta))  ")
    }

    /// Clears the line (before the epoch's table row is printed).
    func clear() {
        guard enabled else { return }
        write("\r" + String(repeating: " ", count: 78) + "\r")
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let two = { (x: Int) in x < 10 ? "0\(x)" : "\(x)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }
}
