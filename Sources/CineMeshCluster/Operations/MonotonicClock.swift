#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Milliseconds on the monotonic clock (liveness and backoff), seconds of wall time (records), and
/// the CPU time of the calling thread (how much of a task's time it actually ran).
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

    /// CPU time the calling thread has used, in nanoseconds: less than its wall time when other
    /// threads had its core.
    public static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
