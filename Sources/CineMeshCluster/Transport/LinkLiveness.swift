/// The liveness rules of a peer that connects to the coordinator, a worker or a model subscriber
/// (docs/PROTOCOL.md, section 5), free of sockets and clocks: every method takes the time. When a
/// HEARTBEAT is due, when the coordinator counts as gone, and how long to wait before connecting
/// again (RECONNECT_INITIAL, doubling on each further failure up to RECONNECT_MAXIMUM, back to
/// RECONNECT_INITIAL once the coordinator accepts the peer).
struct LinkLiveness: Sendable {
    /// Milliseconds between heartbeats, and of silence after which the coordinator is gone: the
    /// configuration's until the coordinator gives its own.
    private(set) var heartbeat: UInt64
    private(set) var deadAfter: UInt64
    /// The wait before the next reconnection.
    private(set) var backoff: UInt64
    let initialBackoff: UInt64
    let maximumBackoff: UInt64
    private var lastHeard: UInt64 = 0
    private var lastSent: UInt64 = 0

    init(heartbeat: UInt64, deadAfter: UInt64, initialBackoff: UInt64, maximumBackoff: UInt64) {
        self.heartbeat = heartbeat
        self.deadAfter = deadAfter
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        backoff = initialBackoff
    }

    /// The rules `config` sets until a coordinator gives its own.
    init(_ config: ClusterConfig) {
        self.init(heartbeat: UInt64(config.heartbeatIntervalMilliseconds), deadAfter: UInt64(config.deadAfterMilliseconds),
                  initialBackoff: UInt64(config.reconnectInitialMilliseconds), maximumBackoff: UInt64(config.reconnectMaximumMilliseconds))
    }

    /// A connection was opened (and its hello sent): silence counts from now.
    mutating func opened(now: UInt64) {
        lastHeard = now
        lastSent = now
    }

    /// A message arrived from the coordinator.
    mutating func heard(now: UInt64) { lastHeard = now }

    /// Something went to the coordinator: a heartbeat is not due for an interval.
    mutating func sent(now: UInt64) { lastSent = now }

    /// The coordinator accepted this peer (WELCOME, WATCHING): its rules apply and the backoff
    /// starts again from RECONNECT_INITIAL.
    mutating func accepted(heartbeatMilliseconds: Int, liveness: Int) {
        heartbeat = UInt64(heartbeatMilliseconds)
        deadAfter = UInt64(heartbeatMilliseconds * liveness)
        backoff = initialBackoff
    }

    /// How long the coordinator has been silent, when that is past the limit.
    func silence(now: UInt64) -> UInt64? {
        now - min(now, lastHeard) > deadAfter ? now - lastHeard : nil
    }

    /// Whether nothing was sent for a heartbeat interval.
    func heartbeatDue(now: UInt64) -> Bool { now - min(now, lastSent) >= heartbeat }

    /// How long a loop may wait in `zmq_poll` and still heartbeat on time.
    var pollMilliseconds: Int { Int(max(5, min(100, heartbeat / 4))) }

    /// The connection was dropped: the wait before the next one, the one after it doubled.
    mutating func dropped() -> UInt64 {
        defer { backoff = min(backoff * 2, maximumBackoff) }
        return backoff
    }
}
