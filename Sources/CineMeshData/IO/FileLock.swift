#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, held until `unlock()` or deinit: one writer
/// at a time on a dataset directory. The kernel drops it when the process dies.
public final class FileLock {
    private var fd: Int32

    /// Takes the lock on `path` (created if missing), failing at once when another process holds it.
    public init(path: String, holder: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(.io, file: path, "cannot open the lock file: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            fd = -1
            throw DataError(.usage, file: path, "is locked: \(holder) is already running")
        }
    }

    deinit { unlock() }

    /// Releases the lock.
    public func unlock() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }
}
