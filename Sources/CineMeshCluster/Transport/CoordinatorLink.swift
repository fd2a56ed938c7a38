import CineMeshData

/// A DEALER connection to the coordinator, as workers and model subscribers keep it: the socket,
/// its CURVE keys and a monitor that says why handshakes failed. When to heartbeat, when the
/// coordinator is gone and how long to wait before connecting again is `LinkLiveness`'s, kept by
/// the peer. Not thread-safe: only the loop thread that owns it uses it.
final class CoordinatorLink {
    let endpoint: String
    private let context: ZMQContext
    /// CURVE toward the coordinator; nil: plain TCP (loopback).
    private let security: CurveClient?
    /// Why handshakes with the coordinator failed, if they did.
    private var monitor: HandshakeMonitor?
    private(set) var socket: ZMQSocket?

    init(endpoint: String, context: ZMQContext, security: CurveClient?) {
        self.endpoint = endpoint
        self.context = context
        self.security = security
    }

    /// Opens a new socket and sends `hello` (READY, WATCH-MODELS).
    func open(saying hello: Message) throws {
        let s = try ZMQSocket(context, .dealer)
        if let security { try s.secure(as: security) }
        monitor = try HandshakeMonitor(watching: s, context: context)
        try s.connect(endpoint)
        socket = s
        try send(hello)
    }

    func send(_ message: Message) throws {
        try send(frames: message.frames)
    }

    /// Sends a message already in frames, without waiting.
    func send(frames: [Frame]) throws {
        try socket?.send(frames, dontWait: true)
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
        return try source.forward(to: socket, inspect: inspect, drop: drop, decide: decide)
    }

    /// Why the coordinator is silent, for the log: `silence`, and what failed the handshakes if
    /// any did (a key the coordinator does not allow, CURVE on one side only).
    func whySilent(_ silence: String) -> String {
        guard let failure = monitor?.failures().last else { return silence }
        return "\(silence): the handshake with \(endpoint) failed, \(failure.reason)"
            + (security.map { " (this \($0.role.rawValue)'s public key is \($0.keys.publicKey.z85))" } ?? "")
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
