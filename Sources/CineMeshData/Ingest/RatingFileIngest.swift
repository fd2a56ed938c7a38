import Dispatch
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed piece of the input: one byte range of one rating file, with codes of its own.
struct ParsedSegment {
    var path: String
    var range: Range<UInt64>
    /// Line number of the range's first line in the file.
    var firstLine: Int
    /// Index of the segment's first rating among all ratings.
    var firstRow = 0
    var sink: ColumnSink
    var lines: Int
}

/// Parses one rating file on every core when it is large and safe to split: a sequential pre-pass
/// hashes the file (XXH64 cannot be combined across ranges) and looks for quotes; a quote-free file
/// is cut into one byte range per core at line ends, each parsed with its own interner and ledger;
/// the pieces come back in file order with line numbers shifted by the lines before them. Files with
/// quotes (a newline may sit inside a quoted field) and Netflix Prize files (a range would start
/// in the middle of a movie) are parsed in one range.
struct RatingFileIngest {
    let parser: RatingFileParser
    let policy: BadRowPolicy
    let encoding: TextEncoding
    /// Files smaller than this are not split.
    var splitThreshold: UInt64 = 16 << 20

    struct Result {
        var segments: [ParsedSegment]
        var ledger: BadRowLedger
        var bytes: UInt64
        var checksum: UInt64
        var hasTimestamps: Bool
        /// Wall time of the sequential pre-pass (checksum and quote scan).
        var scanSeconds: Double
    }

    func run(path: String) throws -> Result {
        let layout = try parser.layout(path: path, display: path)
        let scanStart = monotonicSeconds()
        let (size, checksum, hasQuote) = try Self.prepass(path)
        let scanSeconds = monotonicSeconds() - scanStart
        let cores = ProcessInfo.activeCores
        let splittable = cores > 1 && !parser.format.netflixPrize && !hasQuote && size - layout.dataStart >= splitThreshold
        let ranges = splittable ? try Self.split(path, layout.dataStart ..< size, parts: cores) : [layout.dataStart ..< size]
        let outcomes = SegmentOutcomes(count: ranges.count)
        let single = ranges.count == 1
        DispatchQueue.concurrentPerform(iterations: ranges.count) { k in
            var sink = ColumnSink(encoding: encoding)
            sink.columns.reserve(Int(ranges[k].count / 6 + 1), timestamps: true)
            var ledger = BadRowLedger(policy: policy)
            let outcome = Swift.Result { () throws -> (Bool, Int) in
                try parser.parse(path: path, display: path, layout: layout, range: ranges[k],
                                 firstLine: single ? layout.dataLine : 1, quoting: parser.format.quoting && hasQuote,
                                 into: &sink, ledger: &ledger)
            }
            outcomes.set(k, SegmentOutcomes.Entry(outcome: outcome, sink: sink, ledger: ledger))
        }
        var segments: [ParsedSegment] = []
        var ledger = BadRowLedger(policy: policy)
        var line = layout.dataLine
        var sawRow = false
        for k in 0 ..< ranges.count {
            let e = outcomes.take(k)
            let shift = single ? 0 : line - 1
            switch e.outcome {
            case .failure(let error as DataError): throw error.shifted(by: shift)
            case .failure(let error): throw error
            case .success(let (saw, lines)):
                sawRow = sawRow || saw
                ledger.absorb(e.ledger, lineShift: shift)
                segments.append(ParsedSegment(path: path, range: ranges[k], firstLine: single ? layout.dataLine : line, sink: e.sink, lines: lines))
                line += lines
            }
        }
        if !sawRow { throw DataError(.emptyFile, file: path, "no rating rows") }
        return Result(segments: segments, ledger: ledger, bytes: size, checksum: checksum, hasTimestamps: layout.timestamp != nil,
                      scanSeconds: scanSeconds)
    }

    /// Size, XXH64 and whether the file holds a double quote, in one sequential read.
    static func prepass(_ path: String) throws -> (UInt64, UInt64, Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: path, "cannot read: \(errnoText())") }
        defer { close(fd) }
        let size = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = XXHash64()
        var total: UInt64 = 0
        var quote = false
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(.io, file: path, "read failed: \(errnoText())")
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
            if !quote && memchr(buffer, 0x22, n) != nil { quote = true }
            total += UInt64(n)
        }
        return (total, hasher.finalize(), quote)
    }

    /// `parts` ranges of about equal size, each starting just after a line end.
    static func split(_ path: String, _ data: Range<UInt64>, parts: Int) throws -> [Range<UInt64>] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: path, "cannot read: \(errnoText())") }
        defer { close(fd) }
        var cuts = [data.lowerBound]
        var probe = [UInt8](repeating: 0, count: 1 << 16)
        for k in 1 ..< parts {
            var at = data.lowerBound + (data.upperBound - data.lowerBound) * UInt64(k) / UInt64(parts)
            if at <= cuts.last! { continue }
            var found: UInt64?
            while found == nil && at < data.upperBound {
                let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
                if n <= 0 { break }
                if let i = probe[0 ..< n].firstIndex(of: 0x0A) { found = at + UInt64(i) + 1 } else { at += UInt64(n) }
            }
            guard let cut = found, cut < data.upperBound else { break }
            cuts.append(cut)
        }
        cuts.append(data.upperBound)
        return zip(cuts, cuts.dropFirst()).map { $0 ..< $1 }
    }
}

/// What each parallel range produced, handed back in order.
final class SegmentOutcomes: @unchecked Sendable {
    struct Entry {
        var outcome: Swift.Result<(Bool, Int), Error>
        var sink: ColumnSink
        var ledger: BadRowLedger
    }

    private var entries: [Entry?]
    private let lock = Lock()

    init(count: Int) { entries = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ e: Entry) { lock.withLock { entries[i] = e } }
    func take(_ i: Int) -> Entry { lock.withLock { defer { entries[i] = nil }; return entries[i]! } }
}

/// Joins parsed segments into one set of rating columns with one code space.
enum SegmentMerge {
    /// Consumes the segments' columns (each is freed once copied) and sets each segment's `firstRow`.
    static func merge(_ segments: inout [ParsedSegment]) -> RatingColumns {
        var row = 0
        for k in segments.indices {
            segments[k].firstRow = row
            row += segments[k].sink.columns.count
        }
        if segments.count == 1 {
            var only = segments[0].sink.columns
            only.userKeys = segments[0].sink.users.keys
            only.itemKeys = segments[0].sink.items.keys
            segments[0].sink = ColumnSink(encoding: .utf8)
            return only
        }
        var out = RatingColumns()
        var userCodes: [ExternalId: UInt32] = [:], itemCodes: [ExternalId: UInt32] = [:]
        var userMaps: [[UInt32]] = [], itemMaps: [[UInt32]] = []
        func mapping(_ keys: [ExternalId], _ codes: inout [ExternalId: UInt32], _ all: inout [ExternalId]) -> [UInt32] {
            keys.map { key in
                if let c = codes[key] { return c }
                let c = UInt32(all.count)
                codes[key] = c
                all.append(key)
                return c
            }
        }
        for s in segments {
            userMaps.append(mapping(s.sink.users.keys, &userCodes, &out.userKeys))
            itemMaps.append(mapping(s.sink.items.keys, &itemCodes, &out.itemKeys))
        }
        // Column by column, so at most one extra column is alive at a time.
        out.users = concatenateCodes(&segments, \.sink.columns.users, maps: userMaps, total: row)
        out.items = concatenateCodes(&segments, \.sink.columns.items, maps: itemMaps, total: row)
        out.ratings = concatenate(&segments, \.sink.columns.ratings, total: row)
        out.timestamps = concatenate(&segments, \.sink.columns.timestamps, total: row)
        return out
    }

    /// Joins a code column, translating each segment's codes to the shared code space.
    private static func concatenateCodes(_ segments: inout [ParsedSegment], _ column: WritableKeyPath<ParsedSegment, [UInt32]>,
                                         maps: [[UInt32]], total: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: total) { out, initialized in
            var at = 0
            for k in segments.indices {
                segments[k][keyPath: column].withUnsafeBufferPointer { src in
                    maps[k].withUnsafeBufferPointer { m in
                        for (j, code) in src.enumerated() { out[at + j] = m[Int(code)] }
                    }
                    at += src.count
                }
                segments[k][keyPath: column] = []
            }
            initialized = at
        }
    }

    /// Joins a value column as is.
    private static func concatenate<T: BitwiseCopyable>(_ segments: inout [ParsedSegment], _ column: WritableKeyPath<ParsedSegment, [T]>,
                                                        total: Int) -> [T] {
        [T](unsafeUninitializedCapacity: total) { out, initialized in
            var at = 0
            for k in segments.indices {
                segments[k][keyPath: column].withUnsafeBufferPointer { src in
                    if let base = src.baseAddress, src.count > 0 {
                        (out.baseAddress! + at).update(from: base, count: src.count)
                    }
                    at += src.count
                }
                segments[k][keyPath: column] = []
            }
            initialized = at
        }
    }
}
