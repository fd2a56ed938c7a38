/// Model files a subscriber refused (damaged on the way, or not installable), and when each may
/// be fetched again: damage in transit is seldom damage at the source, so a refused version is
/// tried again after `initial` ms, doubling to `maximum`, `retries` times, before the subscriber
/// gives up on it until a newer version is published. A value type with made-up clocks in tests.
struct RefusedFiles: Sendable {
    let initial: UInt64
    let maximum: UInt64
    let retries: Int
    private var entries: [String: (refusals: Int, retryAt: UInt64)] = [:]

    init(initial: UInt64, maximum: UInt64, retries: Int = 5) {
        self.initial = initial
        self.maximum = maximum
        self.retries = retries
    }

    /// Notes a refusal of the file named `xxh64` at `now`; returns when it may be fetched again,
    /// nil when the subscriber gives up on it.
    mutating func refuse(_ xxh64: String, now: UInt64) -> UInt64? {
        let refusals = (entries[xxh64]?.refusals ?? 0) + 1
        let wait = min(maximum, initial << UInt64(min(refusals - 1, 32)))
        entries[xxh64] = (refusals, now + wait)
        return refusals > retries ? nil : now + wait
    }

    /// Whether the file named `xxh64` may be fetched at `now`.
    func mayFetch(_ xxh64: String, now: UInt64) -> Bool {
        guard let entry = entries[xxh64] else { return true }
        return entry.refusals <= retries && now >= entry.retryAt
    }

    /// The file installed after all: forget its refusals.
    mutating func accepted(_ xxh64: String) {
        entries[xxh64] = nil
    }
}
