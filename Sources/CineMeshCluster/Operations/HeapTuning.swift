#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator tuned for the cluster's processes, which free and allocate the same large
/// buffers (1 MB factor frames, 40 MB checkpoints) over and over: by default it hands freed memory
/// at the top of the heap back to the kernel and maps big blocks fresh, so every epoch paid for
/// page faults and zeroed pages again (a tenth of the workers' time at 10M ratings, `perf`).
public enum HeapTuning {
    /// Keeps freed memory for reuse: blocks up to 32 MB come from the heap, and the heap is only
    /// trimmed past 1 GiB of free space at its top. Call once, at start-up. A no-op where the C
    /// library has no `mallopt`.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which Swift's Glibc module leaves out.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3   // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 1 << 30)
        #endif
    }
}
