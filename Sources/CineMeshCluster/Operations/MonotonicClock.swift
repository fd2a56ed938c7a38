#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Milliseconds on the monotonic clock (liveness and backoff) and seconds of wall time (records).
public enum MonotonicClock {
    public static func milliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func wallSeconds() -> Double { Date().timeIntervalSince1970 }
}
