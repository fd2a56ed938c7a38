#if canImport(Glibc)
import Glibc
#endif

/// A file of this process's own, rewritten for every input, for readers that only take a path
/// (shard files, delimited text): in `$TMPDIR` (deploy/fuzz.sh points it at a folder of its own
/// in /dev/shm, removed when the run ends), else `/tmp`.
public struct ScratchFile: Sendable {
    public let path: String

    public init(_ name: String) {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        path = "\(folder)/cinemesh-fuzz-\(getpid())-\(name)"
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        defer { close(fd) }
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                precondition(n > 0 || errno == EINTR, "cannot write \(path)")
                if n > 0 { done += n }
            }
        }
    }
}
