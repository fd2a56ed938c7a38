/// Log lines for refusals at a bounded rate: the first refusal of a peer is logged at once, later
/// ones within the same interval are only counted, and one line per peer and interval then gives
/// the count. A peer sending garbage as fast as it can costs two lines per interval, not one per
/// message. A pure value: the caller passes the clock and writes the lines.
public struct RefusalLog: Sendable {
    /// A line to write.
    public struct Line: Sendable, Equatable {
        /// Who was refused: an address, a key fingerprint, or "other peers".
        public var peer: String
        /// Why (the latest reason, for a summary).
        public var reason: String
        /// Refusals the line stands for: 1 for the first of an interval, else those counted since.
        public var count: Int
        /// Whether this is the summary of refusals not logged one by one.
        public var isSummary: Bool
    }

    private struct Window {
        var started: UInt64
        var counted: Int
        var reason: String
    }

    /// Milliseconds per interval.
    public let interval: UInt64
    /// Peers tracked at once; refusals of further peers are counted under "other peers".
    public let maximumPeers: Int
    private var windows: [String: Window] = [:]

    public init(intervalMilliseconds: UInt64 = 10_000, maximumPeers: Int = 1024) {
        interval = intervalMilliseconds
        self.maximumPeers = maximumPeers
    }

    /// Records one refusal; returns the line to log now, if any.
    public mutating func record(peer: String, reason: String, now: UInt64) -> Line? {
        let peer = windows[peer] != nil || windows.count < maximumPeers ? peer : "other peers"
        if var window = windows[peer] {
            window.counted += 1
            window.reason = reason
            windows[peer] = window
            return nil
        }
        windows[peer] = Window(started: now, counted: 0, reason: reason)
        return Line(peer: peer, reason: reason, count: 1, isSummary: false)
    }

    /// Ends the intervals that are over: a summary line for each that counted refusals; a peer
    /// refused again afterwards is logged at once again.
    public mutating func flush(now: UInt64) -> [Line] {
        var lines: [Line] = []
        for (peer, window) in windows where now - min(now, window.started) >= interval {
            if window.counted > 0 { lines.append(Line(peer: peer, reason: window.reason, count: window.counted, isSummary: true)) }
            windows[peer] = nil
        }
        return lines.sorted { $0.peer < $1.peer }
    }
}
