import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

/// One file arriving from the coordinator: FETCH requests go out with at most `window` in flight
/// (credit-based flow control, as in the ZeroMQ guide's file transfer), each CHUNK is written
/// where it belongs in `partialPath`, and the whole file is verified against its XXH64 once the
/// last byte is in. The caller then moves the verified file where it belongs (a worker's cache, a
/// gateway's model store); a transfer that is abandoned or fails leaves no partial file behind.
/// Memory use is one chunk at a time whatever the file size.
final class FileFetch {
    let ref: FileRef
    let partialPath: String
    private let chunkBytes: Int
    private let window: Int
    private let fd: Int32
    private var nextOffset: UInt64 = 0
    private var inFlight = 0
    private(set) var received: UInt64 = 0
    /// True once every byte is in and verified: the partial file is then the caller's.
    private(set) var verified = false

    init(_ ref: FileRef, partialPath: String, chunkBytes: Int, window: Int) throws {
        self.ref = ref
        self.partialPath = partialPath
        self.chunkBytes = chunkBytes
        self.window = window
        fd = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(.io, file: partialPath, String(cString: strerror(errno))) }
    }

    deinit {
        close(fd)
        if !verified { unlink(partialPath) }
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

    /// Writes one CHUNK. Returns true when the file is complete and verified.
    func accept(offset: UInt64, bytes: Frame) throws -> Bool {
        guard offset + UInt64(bytes.count) <= ref.bytes, !bytes.isEmpty else {
            throw DataError(.damaged, file: ref.name, "chunk at \(offset)+\(bytes.count) is outside the file's \(ref.bytes) bytes")
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DataError(.io, file: partialPath, String(cString: strerror(errno))) }
            done += n
        }
        inFlight -= 1
        received += UInt64(bytes.count)
        guard received == ref.bytes else { return false }
        try commit()
        return true
    }

    private func commit() throws {
        guard fsync(fd) == 0 else { throw DataError(.io, file: partialPath, String(cString: strerror(errno))) }
        let (whole, matched) = try Self.verify(partialPath, ref.xxh64)
        guard matched else {
            throw DataError(.damaged, file: ref.name, "arrived with xxh64 \(whole), expected \(ref.xxh64)")
        }
        verified = true
    }

    /// Whether `bytes` carry the content named `xxh64`: either the XXH64 of the whole file (id
    /// maps, tables), or, for files ending in an XXH64 trailer (shards), the XXH64 of everything
    /// before the trailer, which the trailer must repeat.
    static func matches(_ bytes: [UInt8], _ xxh64: String) -> Bool {
        var check = ContentCheck()
        bytes.withUnsafeBytes { check.update($0, total: UInt64(bytes.count)) }
        return check.matches(xxh64)
    }

    /// `matches` over a file read in 1 MiB pieces (memory stays bounded for any size); also
    /// returns the whole file's XXH64 for error messages.
    static func verify(_ path: String, _ xxh64: String) throws -> (String, Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(.io, file: path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let total = UInt64(st.st_size)
        var check = ContentCheck()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DataError(.io, file: path, String(cString: strerror(errno))) }
            if n == 0 { break }
            buffer.withUnsafeBytes { check.update(UnsafeRawBufferPointer(rebasing: $0[..<n]), total: total) }
        }
        return (check.whole.finalize().hex16, check.matches(xxh64))
    }
}

/// Streams a file's bytes through the two content names a file can have (section 6 of
/// docs/PROTOCOL.md): the XXH64 of the whole file, and the XXH64 of all but the last 8 bytes
/// together with those 8 bytes (the trailer).
struct ContentCheck {
    var whole = XXHash64()
    var body = XXHash64()
    var trailer: [UInt8] = []
    var seen: UInt64 = 0

    /// Feeds the next piece of a file of `total` bytes.
    mutating func update(_ piece: UnsafeRawBufferPointer, total: UInt64) {
        whole.update(piece)
        let bodyEnd = total >= 8 ? total - 8 : 0
        let inBody = Int(min(UInt64(piece.count), bodyEnd > seen ? bodyEnd - seen : 0))
        if inBody > 0 { body.update(UnsafeRawBufferPointer(rebasing: piece[..<inBody])) }
        trailer += piece[inBody...]
        seen += UInt64(piece.count)
    }

    func matches(_ xxh64: String) -> Bool {
        if whole.finalize().hex16 == xxh64 { return true }
        guard trailer.count == 8 else { return false }
        let sum = body.finalize()
        let stored = trailer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        return sum == stored && sum.hex16 == xxh64
    }
}
