import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

/// One file arriving from the coordinator: FETCH requests go out with at most `window` in flight
/// (credit-based flow control, as in the ZeroMQ guide's file transfer), each CHUNK is written
/// where it belongs, and the whole file is verified against its XXH64 before it enters the cache.
/// Memory use is one chunk at a time whatever the file size.
final class FileFetch {
    let ref: FileRef
    private let cache: ShardCache
    private let chunkBytes: Int
    private let window: Int
    private let fd: Int32
    private var nextOffset: UInt64 = 0
    private var inFlight = 0
    private(set) var received: UInt64 = 0

    init(_ ref: FileRef, cache: ShardCache, chunkBytes: Int, window: Int) throws {
        self.ref = ref
        self.cache = cache
        self.chunkBytes = chunkBytes
        self.window = window
        fd = open(cache.partialPath(ref), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(.io, file: cache.partialPath(ref), String(cString: strerror(errno))) }
    }

    deinit {
        close(fd)
        if !FileSystem.exists(cache.path(ref)) { unlink(cache.partialPath(ref)) }
    }

    /// FETCH bodies to send now to keep `window` requests in flight.
    func requests() -> [FetchBody] {
        var out: [FetchBody] = []
        while inFlight < window && nextOffset < ref.bytes {
            let length = Int(min(UInt64(chunkBytes), ref.bytes - nextOffset))
            out.append(FetchBody(xxh64: ref.xxh64, offset: nextOffset, length: length))
            nextOffset += UInt64(length)
            inFlight += 1
        }
        return out
    }

    /// Writes one CHUNK. Returns true when the file is complete, verified and in the cache.
    func accept(offset: UInt64, bytes: Frame) throws -> Bool {
        guard offset + UInt64(bytes.count) <= ref.bytes, !bytes.isEmpty else {
            throw DataError(.damaged, file: ref.name, "chunk at \(offset)+\(bytes.count) is outside the file's \(ref.bytes) bytes")
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DataError(.io, file: cache.partialPath(ref), String(cString: strerror(errno))) }
            done += n
        }
        inFlight -= 1
        received += UInt64(bytes.count)
        guard received == ref.bytes else { return false }
        try commit()
        return true
    }

    private func commit() throws {
        guard fsync(fd) == 0 else { throw DataError(.io, file: cache.partialPath(ref), String(cString: strerror(errno))) }
        let partial = cache.partialPath(ref)
        let bytes = try FileSystem.readAll(partial)
        guard Self.matches(bytes, ref.xxh64) else {
            throw DataError(.damaged, file: ref.name, "arrived with xxh64 \(XXHash64.hash(bytes).hex16), expected \(ref.xxh64)")
        }
        try FileSystem.rename(partial, cache.path(ref))
    }

    /// Whether `bytes` carry the content named `xxh64`: either the XXH64 of the whole file (id
    /// maps, tables), or, for files ending in an XXH64 trailer (shards), the XXH64 of everything
    /// before the trailer, which the trailer must repeat.
    static func matches(_ bytes: [UInt8], _ xxh64: String) -> Bool {
        if XXHash64.hash(bytes).hex16 == xxh64 { return true }
        guard bytes.count >= 8 else { return false }
        let body = bytes.count - 8
        let sum = bytes.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[..<body])) }
        let trailer = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: body, as: UInt64.self)) }
        return sum == trailer && sum.hex16 == xxh64
    }
}
