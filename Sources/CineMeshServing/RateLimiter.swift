import CineMeshData

/// A token bucket per client: each client may send `burst` requests at once and `perSecond` on
/// average. Thread-safe (one lock, held for a few arithmetic operations per request). Buckets of
/// clients idle long enough to be full again are dropped when the table grows, so a scan from many
/// addresses cannot grow it without bound.
public final class RateLimiter: @unchecked Sendable {
    public let perSecond: Double
    public let burst: Double
    private let lock = Lock()
    private var buckets: [String: (tokens: Double, at: Double)] = [:]
    /// Clients tracked before idle buckets are swept.
    private let sweepAt: Int

    public init(perSecond: Int, burst: Int, sweepAt: Int = 10_000) {
        self.perSecond = Double(perSecond)
        self.burst = Double(max(burst, 1))
        self.sweepAt = sweepAt
    }

    /// Takes one token for `client` at `now` (seconds); nil when allowed, else the seconds until
    /// a token is there again (the `Retry-After`).
    public func take(_ client: String, now: Double) -> Double? {
        lock.withLock {
            var bucket = buckets[client] ?? (burst, now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * perSecond)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[client] = bucket
                return (1 - bucket.tokens) / perSecond
            }
            bucket.tokens -= 1
            if buckets.count >= sweepAt && buckets[client] == nil { sweep(now: now) }
            buckets[client] = bucket
            return nil
        }
    }

    /// Clients tracked now.
    public var clients: Int { lock.withLock { buckets.count } }

    /// Drops the buckets that have refilled (their clients are as good as new).
    private func sweep(now: Double) {
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.at) * perSecond < burst }
    }
}
