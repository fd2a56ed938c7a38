#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written atomically: bytes go to a temporary file in the same directory, which is fsynced
/// and renamed over the destination only on `commit()`. A reader never sees a half-written file, and
/// an `abort()` (or a failure before commit) leaves nothing behind.
///
/// Writes are buffered and every byte is fed to a running XXH64, so the checksum of what was written
/// is known at commit without reading the file back.
public final class AtomicFile {
    public let path: String
    private let tempPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 20
    private var hasher = XXHash64()
    /// Bytes written so far.
    public private(set) var byteCount: UInt64 = 0

    /// Opens a temporary file beside `path`, created with permissions `mode` (0600 for a file only
    /// its owner may read, such as a secret key).
    public init(path: String, mode: mode_t = 0o644) throws {
        self.path = path
        tempPath = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd >= 0 { fchmod(fd, mode) }   // the umask may have taken bits away; never added any
        if fd < 0 { throw DataError(.io, file: path, "cannot create: \(errnoText())") }
        buffer.reserveCapacity(bufferLimit)
    }

    deinit {
        if fd >= 0 { abort() }
    }

    /// The XXH64 of all bytes written so far.
    public var checksum: UInt64 { hasher.finalize() }

    /// Appends raw bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        byteCount += UInt64(bytes.count)
        if buffer.count + bytes.count > bufferLimit {
            try flush()
            if bytes.count >= bufferLimit {
                try writeFully(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends an array of bytes.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the raw little-endian bytes of a contiguous array of trivial values.
    public func writeArray<T: BitwiseCopyable>(_ values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    /// Appends the raw bytes of a buffer of trivial values.
    public func writeBuffer<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) throws {
        try write(UnsafeRawBufferPointer(values))
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(.io, file: path, "write failed: \(errnoText())")
            }
            offset += n
        }
    }

    /// Flushes, fsyncs, renames over `path` and fsyncs the directory.
    public func commit() throws {
        do {
            try flush()
            if fsync(fd) != 0 { throw DataError(.io, file: path, "fsync failed: \(errnoText())") }
            close(fd)
            fd = -1
            if rename(tempPath, path) != 0 { throw DataError(.io, file: path, "rename failed: \(errnoText())") }
            try FileSystem.syncDirectory(FileSystem.parent(of: path))
        } catch {
            abort()
            throw error
        }
    }

    /// Discards everything written; the destination is untouched.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
    }

    /// Writes `bytes` to `path` atomically (a new file gets permissions `mode`) and returns their checksum.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws -> UInt64 {
        let file = try AtomicFile(path: path, mode: mode)
        try file.write(bytes)
        let sum = file.checksum
        try file.commit()
        return sum
    }
}

/// The current `errno` as text.
func errnoText() -> String {
    String(cString: strerror(errno))
}
