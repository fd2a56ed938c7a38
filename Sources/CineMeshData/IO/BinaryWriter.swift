/// Appends little-endian fixed-width values and length-prefixed strings to a byte array: the encoder
/// behind the small self-describing files (id maps, tables, headers).
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func put(_ v: Float) { put(v.bitPattern) }
    public mutating func put(_ v: Double) { put(v.bitPattern) }
    public mutating func put(raw: [UInt8]) { bytes.append(contentsOf: raw) }
    public mutating func put<S: Sequence>(rawSequence: S) where S.Element == UInt8 { bytes.append(contentsOf: rawSequence) }
    /// Trivial values copied in as they lie in memory (little-endian on every platform CineMesh
    /// builds for), as `BinaryReader.getArray` reads them back.
    public mutating func put<T: BitwiseCopyable>(contentsOf values: [T]) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
    /// UInt32 byte length then UTF-8 bytes.
    public mutating func put(string: String) {
        let u = Array(string.utf8)
        put(UInt32(u.count))
        bytes.append(contentsOf: u)
    }
    /// Zero bytes up to the next multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
    /// Overwrites a previously written value at `offset`.
    public mutating func patch<T: FixedWidthInteger>(_ v: T, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0 ..< src.count { bytes[offset + i] = src[i] }
        }
    }
    /// Appends the XXH64 of everything written so far (the trailer of every CineMesh binary file).
    public mutating func appendChecksum() {
        put(XXHash64.hash(bytes))
    }
}

/// Reads what `BinaryWriter` wrote, bounds-checked: running off the end is a `.damaged` error naming
/// the file and what was being read, never a crash.
public struct BinaryReader {
    public let bytes: [UInt8]
    public var offset: Int
    let file: String

    public init(_ bytes: [UInt8], file: String, offset: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func need(_ n: Int, _ what: String) throws {
        if n < 0 || offset + n > bytes.count {
            throw DataError(.damaged, file: file, "truncated while reading \(what) at byte \(offset)")
        }
    }

    public mutating func get<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        var v = T.zero
        withUnsafeMutableBytes(of: &v) { dst in
            for i in 0 ..< dst.count { dst[i] = bytes[offset + i] }
        }
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }
    /// A `u64` count or length of what follows, refused (`.damaged`, naming `what`) when it is
    /// larger than the bytes left: each thing it counts takes a byte at least, so a damaged count
    /// can neither overflow `Int` nor size an allocation beyond the file.
    public mutating func getCount(_ what: String) throws -> Int {
        let n = try get(UInt64.self, what)
        guard n <= UInt64(remaining) else { throw DataError(.damaged, file: file, "\(what) \(n) exceeds the file size") }
        return Int(n)
    }

    public mutating func getFloat(_ what: String) throws -> Float { Float(bitPattern: try get(UInt32.self, what)) }
    public mutating func getDouble(_ what: String) throws -> Double { Double(bitPattern: try get(UInt64.self, what)) }

    public mutating func getBytes(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try need(n, what)
        defer { offset += n }
        return bytes[offset ..< offset + n]
    }

    public mutating func getString(_ what: String) throws -> String {
        let n = Int(try get(UInt32.self, what))
        let raw = try getBytes(n, what)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw DataError(.damaged, file: file, "\(what) is not valid UTF-8")
        }
        return s
    }

    /// `count` trivial values copied out of the byte stream.
    public mutating func getArray<T: BitwiseCopyable>(_: T.Type, count: Int, _ what: String) throws -> [T] {
        let stride = MemoryLayout<T>.stride
        guard count >= 0, count <= Int.max / max(stride, 1) else {
            throw DataError(.damaged, file: file, "impossible \(what) count \(count)")
        }
        try need(count * stride, what)
        let out = [T](unsafeUninitializedCapacity: count) { buf, n in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buf).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: src[offset ..< offset + count * stride]))
            }
            n = count
        }
        offset += count * stride
        return out
    }

    public mutating func skip(toAlignment a: Int) { while offset % a != 0 { offset += 1 } }
}
