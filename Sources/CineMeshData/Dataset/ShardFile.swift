#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes shard files: one `RatingBlock` as a header and little-endian columns with an
/// XXH64 trailer (every byte documented in docs/FORMATS.md, "Shard files").
public enum ShardFile {
    public static let version: UInt16 = 1
    static let header = BinaryFileHeader(magic: "CMSHARD", version: version, kind: "shard")
    static let headerSize = 80
    static let flagTimestamps: UInt16 = 1
    static let flagWideTimestamps: UInt16 = 2

    /// Writes `block` atomically; returns the file size and checksum.
    @discardableResult
    public static func write(_ block: RatingBlock, scale: RatingScale, to path: String) throws -> (bytes: UInt64, checksum: UInt64) {
        let n = block.count
        precondition(block.users.count == n && block.items.count == n && (block.timestamps.isEmpty || block.timestamps.count == n))
        var flags: UInt16 = 0
        var base: Int64 = 0
        var wide = false
        if !block.timestamps.isEmpty {
            flags |= flagTimestamps
            base = block.timestamps.min()!
            let top = block.timestamps.max()!
            if top.subtractingReportingOverflow(base).overflow || top - base > Int64(UInt32.max) {
                wide = true
                flags |= flagWideTimestamps
                base = 0
            }
        }
        var h = BinaryWriter(capacity: headerSize)
        h.put(header: header)
        h.put(flags)
        h.put(UInt32(headerSize))
        h.put(UInt64(n))
        h.put(UInt32(block.row))
        h.put(UInt32(block.column))
        h.put(block.userRange.lowerBound)
        h.put(block.userRange.upperBound)
        h.put(block.itemRange.lowerBound)
        h.put(block.itemRange.upperBound)
        h.put(Float(scale.min))
        h.put(Float(scale.max))
        h.put(Float(scale.step ?? 0))
        h.put(UInt32(0))
        h.put(base)
        h.put(UInt64(0))
        assert(h.bytes.count == headerSize)

        let file = try AtomicFile(path: path)
        try file.write(h.bytes)
        #if _endian(little)
        try file.writeArray(block.users)
        try file.writeArray(block.items)
        try file.writeArray(block.ratings)
        #else
        try file.writeArray(block.users.map { $0.littleEndian })
        try file.writeArray(block.items.map { $0.littleEndian })
        try file.writeArray(block.ratings.map { $0.bitPattern.littleEndian })
        #endif
        if !block.timestamps.isEmpty {
            if wide {
                #if _endian(little)
                try file.writeArray(block.timestamps)
                #else
                try file.writeArray(block.timestamps.map { $0.littleEndian })
                #endif
            } else {
                try file.writeArray(block.timestamps.map { UInt32(truncatingIfNeeded: $0 - base).littleEndian })
            }
        }
        let sum = file.checksum
        var trailer = BinaryWriter()
        trailer.put(sum)
        try file.write(trailer.bytes)
        let size = file.byteCount
        try file.commit()
        return (size, sum)
    }

    /// The header of a shard file, as stored.
    public struct Header: Sendable, Equatable {
        public var version: UInt16
        public var count: Int
        public var row: Int
        public var column: Int
        public var userRange: Range<UInt32>
        public var itemRange: Range<UInt32>
        public var scale: RatingScale
        public var hasTimestamps: Bool
        public var wideTimestamps: Bool
        public var timestampBase: Int64

        var bytesPerRating: Int { 12 + (hasTimestamps ? (wideTimestamps ? 8 : 4) : 0) }
        var expectedFileSize: Int { ShardFile.headerSize + count * bytesPerRating + 8 }
    }

    static func parseHeader(_ raw: [UInt8], file: String) throws -> Header {
        var r = BinaryReader(raw, file: file)
        try r.expect(header)
        let flags = try r.get(UInt16.self, "flags")
        let hs = try r.get(UInt32.self, "header size")
        if hs != headerSize { throw DataError(.damaged, file: file, "header size \(hs), expected \(headerSize)") }
        let n = try r.get(UInt64.self, "count")
        let row = try r.get(UInt32.self, "row"), col = try r.get(UInt32.self, "column")
        let ulo = try r.get(UInt32.self, "user lo"), uhi = try r.get(UInt32.self, "user hi")
        let ilo = try r.get(UInt32.self, "item lo"), ihi = try r.get(UInt32.self, "item hi")
        let smin = try r.getFloat("scale min"), smax = try r.getFloat("scale max"), sstep = try r.getFloat("scale step")
        _ = try r.get(UInt32.self, "reserved")
        let base = try r.get(Int64.self, "timestamp base")
        guard ulo <= uhi, ilo <= ihi, n < (1 << 40), flags & ~(flagTimestamps | flagWideTimestamps) == 0 else {
            throw DataError(.damaged, file: file, "inconsistent header (ranges, count or flags)")
        }
        return Header(version: version, count: Int(n), row: Int(row), column: Int(col), userRange: ulo ..< uhi, itemRange: ilo ..< ihi,
                      scale: RatingScale(min: Double(smin), max: Double(smax), step: sstep > 0 ? Double(sstep) : nil),
                      hasTimestamps: flags & flagTimestamps != 0, wideTimestamps: flags & flagWideTimestamps != 0,
                      timestampBase: base)
    }

    /// Reads the header only (no checksum verification).
    public static func readHeader(_ path: String) throws -> Header {
        let fd = try openForReading(path)
        defer { close(fd) }
        var raw = [UInt8](repeating: 0, count: headerSize)
        try readExactly(fd, into: &raw, path: path, what: "header")
        return try parseHeader(raw, file: path)
    }

    /// Reads a shard, streaming its bytes straight into the columns while verifying the checksum,
    /// the size and that every index lies in the block's ranges. Any damage is a `.damaged` error
    /// naming the file; nothing is half-returned.
    public static func read(_ path: String, includeTimestamps: Bool = true) throws -> RatingBlock {
        let fd = try openForReading(path)
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let fileSize = Int(st.st_size)
        if fileSize < headerSize + 8 {
            throw DataError(.damaged, file: path, "truncated: \(fileSize) bytes is shorter than a shard header")
        }
        var raw = [UInt8](repeating: 0, count: headerSize)
        try readExactly(fd, into: &raw, path: path, what: "header")
        var hasher = XXHash64()
        hasher.update(raw)
        let header = try parseHeader(raw, file: path)
        if fileSize != header.expectedFileSize {
            throw DataError(.damaged, file: path, "size is \(fileSize) bytes but the header describes \(header.expectedFileSize) (truncated or damaged)")
        }
        let n = header.count
        func column<T: BitwiseCopyable>(_: T.Type, _ what: String) throws -> [T] {
            try [T](unsafeUninitializedCapacity: n) { buf, initialized in
                let bytes = UnsafeMutableRawBufferPointer(buf)
                try readExactly(fd, into: bytes, path: path, what: what)
                hasher.update(UnsafeRawBufferPointer(bytes))
                initialized = n
            }
        }
        var users: [UInt32] = try column(UInt32.self, "user column")
        var items: [UInt32] = try column(UInt32.self, "item column")
        var ratings: [Float] = try column(Float.self, "rating column")
        var timestamps: [Int64] = []
        if header.hasTimestamps {
            if header.wideTimestamps {
                timestamps = try column(Int64.self, "timestamp column").map { Int64(littleEndian: $0) }
            } else {
                let offsets: [UInt32] = try column(UInt32.self, "timestamp column")
                if includeTimestamps {
                    // A damaged base near Int64.max would overflow with the largest offset.
                    if let top = offsets.lazy.map({ UInt32(littleEndian: $0) }).max(),
                       header.timestampBase.addingReportingOverflow(Int64(top)).overflow {
                        throw DataError(.damaged, file: path, "timestamp base \(header.timestampBase) plus offset \(top) overflows 64 bits")
                    }
                    timestamps = offsets.map { header.timestampBase + Int64(UInt32(littleEndian: $0)) }
                }
            }
            if !includeTimestamps { timestamps = [] }
        }
        var trailer = [UInt8](repeating: 0, count: 8)
        try readExactly(fd, into: &trailer, path: path, what: "checksum")
        let stored = trailer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let actual = hasher.finalize()
        if stored != actual {
            throw DataError(.damaged, file: path, "checksum mismatch (stored \(stored.hex16), computed \(actual.hex16)): the shard is damaged")
        }
        #if _endian(big)
        users = users.map { UInt32(littleEndian: $0) }
        items = items.map { UInt32(littleEndian: $0) }
        ratings = ratings.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        let ur = header.userRange, ir = header.itemRange
        for k in 0 ..< n where !ur.contains(users[k]) || !ir.contains(items[k]) || !ratings[k].isFinite {
            throw DataError(.damaged, file: path, "rating \(k) (user \(users[k]), item \(items[k])) lies outside the block's ranges")
        }
        return RatingBlock(row: header.row, column: header.column, userRange: ur, itemRange: ir,
                           users: users, items: items, ratings: ratings, timestamps: timestamps)
    }

    private static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: path, "cannot read: \(errnoText())") }
        return fd
    }

    private static func readExactly(_ fd: Int32, into bytes: inout [UInt8], path: String, what: String) throws {
        try bytes.withUnsafeMutableBytes { try readExactly(fd, into: $0, path: path, what: what) }
    }

    private static func readExactly(_ fd: Int32, into bytes: UnsafeMutableRawBufferPointer, path: String, what: String) throws {
        var off = 0
        while off < bytes.count {
            let got = Glibc.read(fd, bytes.baseAddress! + off, bytes.count - off)
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError(.io, file: path, "read failed: \(errnoText())")
            }
            if got == 0 { throw DataError(.damaged, file: path, "truncated inside the \(what)") }
            off += got
        }
    }
}
