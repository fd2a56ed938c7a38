import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

/// A DEALER connection to the coordinator under the liveness rules of docs/PROTOCOL.md section 5,
/// as workers and model subscribers keep it: any message from the coordinator proves it alive; it
/// is gone after heartbeat x liveness of silence; the connection is then dropped and opened again
/// after a backoff that doubles from RECONNECT_INITIAL up to RECONNECT_MAXIMUM and resets when the
/// coordinator accepts the peer. Not thread-safe: only the loop thread that owns it uses it.
final class CoordinatorLink {
    let endpoint: String
    private let context: ZMQContext
    /// CURVE toward the coordinator; nil: plain TCP (loopback).
    private let security: CurveClient?
    /// Why handshakes with the coordinator failed, if they did.
    private var monitor: HandshakeMonitor?
    private let initialBackoff: UInt64
    private let maximumBackoff: UInt64
    private(set) var socket: ZMQSocket?
    private var lastHeard: UInt64 = 0
    private var lastSent: UInt64 = 0
    /// Milliseconds between heartbeats, and of silence after which the coordinator is gone: the
    /// configuration's until the coordinator gives its own.
    private(set) var heartbeat: UInt64
    private var deadAfter: UInt64
    /// The wait before the next reconnection.
    private(set) var backoff: UInt64

    init(endpoint: String, context: ZMQContext, config: ClusterConfig, security: CurveClient?) {
        self.endpoint = endpoint
        self.context = context
        self.security = security
        initialBackoff = UInt64(config.reconnectInitialMilliseconds)
        maximumBackoff = UInt64(config.reconnectMaximumMilliseconds)
        heartbeat = UInt64(config.heartbeatIntervalMilliseconds)
        deadAfter = UInt64(config.deadAfterMilliseconds)
        backoff = initialBackoff
    }

    /// Opens a new socket and sends `hello` (READY, WATCH-MODELS); silence counts from now.
    func open(saying hello: Message) throws {
        let s = try ZMQSocket(context, .dealer)
        if let security { try s.secure(as: security) }
        monitor = try HandshakeMonitor(watching: s, context: context)
        try s.connect(endpoint)
        socket = s
        lastHeard = MonotonicClock.milliseconds()
        try send(hello)
    }

    func send(_ message: Message) throws {
        try send(frames: message.frames)
    }

    /// Sends a message already in frames, without waiting.
    func send(frames: [Frame]) throws {
        try socket?.send(frames, dontWait: true)
        lastSent = MonotonicClock.milliseconds()
    }

    /// Moves a message waiting on `source` to the coordinator without copying its frames
    /// (`ZMQSocket.forward`); nil when none is waiting. Without a connection `decide` still sees
    /// the message, which is then dropped.
    func forward(from source: ZMQSocket, inspect: Int, drop: Int, decide: ([Frame]) -> Bool) throws -> Bool? {
        guard let socket else {
            return try source.receive(dontWait: true).map { frames in
                _ = decide(Array(frames.prefix(inspect)))
                return false
            }
        }
        let sent = try source.forward(to: socket, inspect: inspect, drop: drop, decide: decide)
        if sent == true { lastSent = MonotonicClock.milliseconds() }
        return sent
    }

    /// A message arrived from the coordinator.
    func heard() {
        lastHeard = MonotonicClock.milliseconds()
    }

    /// The coordinator accepted this peer (WELCOME, WATCHING): its rules apply and the backoff
    /// starts again from RECONNECT_INITIAL.
    func accepted(heartbeatMilliseconds: Int, liveness: Int) {
        heartbeat = UInt64(heartbeatMilliseconds)
        deadAfter = UInt64(heartbeatMilliseconds * liveness)
        backoff = initialBackoff
    }

    /// How long the coordinator has been silent, when that is past the limit.
    func silence(now: UInt64) -> UInt64? {
        now - min(now, lastHeard) > deadAfter ? now - lastHeard : nil
    }

    /// Why the coordinator is silent, for the log: `silence`, and what failed the handshakes if
    /// any did (a key the coordinator does not allow, CURVE on one side only).
    func whySilent(_ silence: String) -> String {
        guard let failure = monitor?.failures().last else { return silence }
        return "\(silence): the handshake with \(endpoint) failed, \(failure.reason)"
            + (security.map { " (this \($0.role.rawValue)'s public key is \($0.keys.publicKey.z85))" } ?? "")
    }

    /// Whether nothing was sent for a heartbeat interval.
    func heartbeatDue(now: UInt64) -> Bool { now - min(now, lastSent) >= heartbeat }

    /// How long the loop may wait in `zmq_poll` and still heartbeat on time.
    var pollMilliseconds: Int { Int(max(5, min(100, heartbeat / 4))) }

    /// Closes the socket, waits the current backoff (ending early once `stop()` holds) and doubles it.
    func drop(waitingUnless stop: () -> Bool) {
        close()
        let until = MonotonicClock.milliseconds() + backoff
        while !stop() && MonotonicClock.milliseconds() < until { usleep(20_000) }
        backoff = min(backoff * 2, maximumBackoff)
    }

    func close() {
        close(flushing: 0)
    }

    /// Closes after a goodbye: what is queued gets up to `milliseconds` to reach the coordinator.
    func close(flushing milliseconds: Int32) {
        monitor?.close()
        monitor = nil
        socket?.close(lingering: milliseconds)
        socket = nil
    }
}
