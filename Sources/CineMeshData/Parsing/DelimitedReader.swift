#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams records out of a delimited text file in bounded memory.
///
/// - RFC 4180 quoting when `quoting` is on: a field that starts with `"` may hold delimiters,
///   newlines and doubled quotes; CRLF and LF line ends; a UTF-8 byte-order mark is skipped.
/// - The delimiter may be several bytes (MovieLens 1M's `::`).
/// - Records are found first (one `memchr`, or a quote-aware scan), then split, so a record is
///   never parsed twice and field bytes can be unescaped in place.
/// - Memory is one buffer (4 MiB, growing only for a single record longer than that, up to
///   `maxRecordBytes`), whatever the file size.
/// - Every byte read is fed to an XXH64 so the source's checksum is known at the end for free.
///
/// Field views returned by `field(_:)` are valid until the next call to `next()`.
public final class DelimitedReader {
    /// What `next()` found.
    public enum Outcome: Equatable {
        case record
        /// A record that cannot be split (bad quoting); it has been consumed.
        case malformed(String)
        case endOfFile
    }

    /// The file's name as the user gave it, used in every message.
    public let displayName: String
    public let delimiter: [UInt8]
    public let quoting: Bool
    public let maxRecordBytes: Int

    private var fd: Int32
    /// Bytes of the file this reader may still read (its range).
    private var rangeRemaining: UInt64
    /// File offset of `buffer[0]`.
    private var bufferOffset: UInt64
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var position = 0
    private var atEOF = false
    private var firstRead = true
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var fieldCapacity = 32
    private var fields = 0
    private var nextLine = 1
    private let firstLine: Int

    /// 1-based line on which the current record starts.
    public private(set) var line = 0
    /// Running checksum of the bytes read so far (the whole file once `next()` returned `.endOfFile`).
    public private(set) var hasher = XXHash64()
    /// Bytes read so far.
    public private(set) var bytesRead: UInt64 = 0

    /// Opens `path` (or the byte range `range` of it, which must start at a record boundary);
    /// fails with a clear error when it is missing, unreadable, a directory, empty or binary.
    public init(path: String, displayName: String? = nil, delimiter: [UInt8], quoting: Bool,
                range: Range<UInt64>? = nil, firstLine: Int = 1, bufferSize: Int = 4 << 20, maxRecordBytes: Int = 64 << 20) throws {
        self.displayName = displayName ?? path
        self.delimiter = delimiter
        self.quoting = quoting
        self.maxRecordBytes = maxRecordBytes
        precondition(!delimiter.isEmpty)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: displayName ?? path, "cannot read: \(errnoText())") }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DataError(.io, file: displayName ?? path, "is a directory, expected a file")
        }
        nextLine = firstLine
        self.firstLine = firstLine
        rangeRemaining = range.map { $0.upperBound - $0.lowerBound } ?? .max
        bufferOffset = range?.lowerBound ?? 0
        firstRead = bufferOffset == 0
        if bufferOffset > 0 && lseek(fd, off_t(bufferOffset), SEEK_SET) < 0 {
            close(fd)
            throw DataError(.io, file: displayName ?? path, "cannot seek: \(errnoText())")
        }
        capacity = bufferSize
        buffer = .allocate(capacity: capacity + 8)
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
        try fill()
        if count == 0 && range == nil {
            throw DataError(.emptyFile, file: self.displayName, "empty file: expected delimited text")
        }
        let probe = min(count, 64 << 10)
        if let nul = UnsafeBufferPointer(start: buffer, count: probe).firstIndex(of: 0) {
            throw DataError(.binaryFile, file: self.displayName, "binary file (NUL byte at offset \(nul)): expected delimited text")
        }
    }

    deinit {
        buffer.deallocate()
        starts.deallocate()
        ends.deallocate()
        if fd >= 0 { close(fd) }
    }

    /// File offset where the next record starts (after `next()` returned a record, just past it).
    public var nextRecordOffset: UInt64 { bufferOffset + UInt64(position) }

    /// Lines consumed so far (all of them once `next()` returned `.endOfFile`).
    public var linesConsumed: Int { nextLine - firstLine }

    /// Number of fields in the current record.
    public var fieldCount: Int { fields }

    /// Bytes of field `i` of the current record (unescaped).
    @inline(__always)
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: buffer + starts[i], count: ends[i] - starts[i])
    }

    /// Reads more bytes, moving an unfinished record to the front (growing only when one record
    /// fills the whole buffer). Returns false at end of file.
    @discardableResult
    private func fill() throws -> Bool {
        if atEOF { return false }
        if position > 0 {
            let keep = count - position
            if keep > 0 { buffer.update(from: buffer + position, count: keep) }
            bufferOffset += UInt64(position)
            count = keep
            position = 0
        }
        if count == capacity {
            if capacity >= maxRecordBytes {
                throw DataError(.badRow, file: displayName, line: nextLine, reason: .fieldCount,
                                "record is longer than \(maxRecordBytes >> 20) MiB (binary data or an unclosed quote?)")
            }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + 8)
            grown.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        while count < capacity {
            if rangeRemaining == 0 { atEOF = true; break }
            let n = read(fd, buffer + count, Int(min(UInt64(capacity - count), rangeRemaining)))
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(.io, file: displayName, "read failed: \(errnoText())")
            }
            if n == 0 { atEOF = true; break }
            hasher.update(UnsafeRawBufferPointer(start: buffer + count, count: n))
            bytesRead += UInt64(n)
            rangeRemaining -= UInt64(n)
            count += n
        }
        if firstRead {
            firstRead = false
            if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
        }
        return true
    }

    /// Advances to the next non-blank record.
    public func next() throws -> Outcome {
        guard let (start, stop, unclosed) = try advance() else { return .endOfFile }
        if unclosed {
            return .malformed("quoted field opened on line \(line) is never closed")
        }
        if let problem = split(start, stop) { return .malformed(problem) }
        return .record
    }

    /// Moves past the next non-blank record: its bounds in the buffer (without the line end) and
    /// whether it ends inside an unclosed quote; nil at end of file.
    private func advance() throws -> (Int, Int, Bool)? {
        while true {
            // Find where the record ends: an LF outside quotes, or the end of the file.
            var end = -1
            var newlines = 0
            var unclosed = false
            var scanFrom = position
            var inQuotes = false
            var slowScan = false
            while true {
                if slowScan {
                    var i = scanFrom
                    while i < count {
                        let b = buffer[i]
                        if b == 0x22 { inQuotes.toggle() } else if b == 0x0A {
                            if !inQuotes { end = i; break }
                            newlines += 1
                        }
                        i += 1
                    }
                    scanFrom = i
                } else if let hit = memchr(buffer + scanFrom, 0x0A, count - scanFrom) {
                    let nl = buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    // A record with no quote ends at the first newline; one with a quote needs the
                    // quote-aware scan from its start (a quoted field may hold newlines).
                    if quoting && memchr(buffer + position, 0x22, nl - position) != nil {
                        slowScan = true
                        scanFrom = position
                        continue
                    }
                    end = nl
                } else {
                    scanFrom = count
                    if quoting && memchr(buffer + position, 0x22, count - position) != nil {
                        slowScan = true
                        scanFrom = position
                        continue
                    }
                }
                if end >= 0 { break }
                let consumedBefore = position
                if try !fill() {
                    if position == count { return nil }
                    end = count
                    unclosed = inQuotes
                    break
                }
                scanFrom -= consumedBefore   // the buffer was compacted
            }
            line = nextLine
            nextLine += 1 + newlines
            let start = position
            position = min(end + 1, count)
            var stop = end
            if stop > start && buffer[stop - 1] == 0x0D { stop -= 1 }
            if stop == start { continue }   // blank line
            return (start, stop, unclosed)
        }
    }

    /// Splits [start, stop) into fields; returns a message when the quoting is broken.
    @inline(__always)
    private func split(_ start: Int, _ stop: Int) -> String? {
        if !quoting {
            splitPlain(start, stop)
            return nil
        }
        return splitQuoted(start, stop)
    }

    /// Fields of a record without quoting: every delimiter ends a field. Candidates for the
    /// delimiter's first byte are found eight bytes at a time (SWAR byte match); the buffer keeps
    /// eight bytes of slack so the last word never reads outside it.
    @inline(__always)
    private func splitPlain(_ start: Int, _ stop: Int) {
        fields = 0
        let d0 = delimiter[0]
        let dn = delimiter.count
        let pattern = UInt64(d0) &* 0x0101_0101_0101_0101
        var fieldStart = start
        var i = start
        while i < stop {
            let word = UInt64(littleEndian: UnsafeRawPointer(buffer + i).loadUnaligned(as: UInt64.self)) ^ pattern
            var hits = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if stop - i < 8 { hits &= (1 &<< UInt64((stop - i) * 8)) &- 1 }
            if hits == 0 {
                i += 8
                continue
            }
            let at = i + hits.trailingZeroBitCount / 8
            if dn == 1 || matchesDelimiter(at: at, stop: stop) {
                addField(fieldStart, at)
                i = at + dn
                fieldStart = i
            } else {
                i = at + 1
            }
        }
        addField(fieldStart, stop)
    }

    private func splitQuoted(_ start: Int, _ stop: Int) -> String? {
        fields = 0
        let d0 = delimiter[0]
        let dn = delimiter.count
        var i = start
        var fieldStart = start
        while true {
            if i == fieldStart && i < stop && buffer[i] == 0x22 {
                // Quoted field: unescape "" in place.
                var read = i + 1
                var write = i + 1
                var closed = false
                while read < stop {
                    let c = buffer[read]
                    if c == 0x22 {
                        if read + 1 < stop && buffer[read + 1] == 0x22 {
                            buffer[write] = 0x22; write += 1; read += 2; continue
                        }
                        closed = true
                        read += 1
                        break
                    }
                    buffer[write] = c; write += 1; read += 1
                }
                if !closed { return "quoted field is never closed" }
                addField(i + 1, write)
                if read == stop { return nil }
                if !matchesDelimiter(at: read, stop: stop) {
                    return "unexpected character after a closing quote in field \(fields)"
                }
                i = read + dn
                fieldStart = i
                if i == stop { addField(i, i); return nil }
                continue
            }
            if i >= stop {
                addField(fieldStart, stop)
                return nil
            }
            if buffer[i] == d0 && (dn == 1 || matchesDelimiter(at: i, stop: stop)) {
                addField(fieldStart, i)
                i += dn
                fieldStart = i
                if i == stop { addField(i, i); return nil }
                continue
            }
            i += 1
        }
    }

    @inline(__always)
    private func addField(_ start: Int, _ end: Int) {
        if fields == fieldCapacity {
            let grownStarts = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2)
            let grownEnds = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2)
            grownStarts.update(from: starts, count: fields)
            grownEnds.update(from: ends, count: fields)
            starts.deallocate()
            ends.deallocate()
            starts = grownStarts
            ends = grownEnds
            fieldCapacity *= 2
        }
        starts[fields] = start
        ends[fields] = end
        fields += 1
    }

    @inline(__always)
    private func matchesDelimiter(at i: Int, stop: Int) -> Bool {
        if i + delimiter.count > stop { return false }
        for k in 0 ..< delimiter.count where buffer[i + k] != delimiter[k] { return false }
        return true
    }
}
