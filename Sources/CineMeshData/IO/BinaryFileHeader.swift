/// The start every CineMesh binary file shares: an 8-byte magic (ASCII, zero-padded), then a `u16`
/// format version (docs/FORMATS.md, "Conventions"). Each file kind declares its own; `BinaryWriter`
/// writes it with `put(header:)`, and `BinaryReader(verifying:file:header:minimumSize:)` checks it
/// together with the checksum trailer, so every kind refuses damage and other versions in the same
/// words.
public struct BinaryFileHeader: Sendable, Equatable {
    /// The magic's byte count: the text is zero-padded (or cut) to it.
    public static let magicSize = 8
    /// The bytes the common header takes: the magic and the version.
    public static let size = magicSize + 2

    /// The magic's text, e.g. `CMMODEL`.
    public let magic: String
    /// The one format version this build reads and writes.
    public let version: UInt16
    /// What errors call the file: `model`, `shard`, `id map`, ...
    public let kind: String

    public init(magic: String, version: UInt16, kind: String) {
        self.magic = magic
        self.version = version
        self.kind = kind
    }

    /// The magic as stored: its ASCII bytes, zero-padded to `magicSize`.
    var magicBytes: [UInt8] {
        var bytes = Array(magic.utf8.prefix(Self.magicSize))
        while bytes.count < Self.magicSize { bytes.append(0) }
        return bytes
    }
}

extension BinaryWriter {
    /// Writes `header`'s magic and version: the first `BinaryFileHeader.size` bytes of a file.
    public mutating func put(header: BinaryFileHeader) {
        put(raw: header.magicBytes)
        put(header.version)
    }
}

extension BinaryReader {
    /// A reader over a whole file's bytes, checked in this order: the XXH64 trailer (and that the
    /// file holds at least `minimumSize` bytes before it), the magic, the version. It reads the
    /// bytes before the trailer and stands just after the common header. Every failure is a
    /// `DataError` naming `file`: `.damaged` for a short file, a checksum mismatch or another magic;
    /// `.versionMismatch` (`model format version 2 is not supported (this build reads version 1)`)
    /// for another version.
    public init(verifying bytes: [UInt8], file: String, header: BinaryFileHeader, minimumSize: Int) throws {
        try Self.verifyTrailer(bytes, file: file, minimumSize: minimumSize)
        self.init(Array(bytes.dropLast(8)), file: file)
        try expect(header)
    }

    /// Reads the common header at the current offset and checks its magic and version; for readers
    /// that stream a file and check its trailer themselves (shards). Errors as for
    /// `init(verifying:file:header:minimumSize:)`.
    public mutating func expect(_ header: BinaryFileHeader) throws {
        if Array(try getBytes(BinaryFileHeader.magicSize, "magic")) != header.magicBytes {
            throw DataError(.damaged, file: file, "not a CineMesh \(header.kind) file (bad magic)")
        }
        let version = try get(UInt16.self, "version")
        if version != header.version {
            throw DataError(.versionMismatch, file: file,
                            "\(header.kind) format version \(version) is not supported (this build reads version \(header.version))")
        }
    }

    /// Verifies the 8-byte XXH64 trailer over all preceding bytes, after checking that the file
    /// holds at least `minimumSize` bytes before it.
    private static func verifyTrailer(_ bytes: [UInt8], file: String, minimumSize: Int) throws {
        if bytes.count < minimumSize + 8 {
            throw DataError(.damaged, file: file, "truncated: \(bytes.count) bytes is too short to be valid")
        }
        let body = bytes.count - 8
        let stored = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: body, as: UInt64.self)) }
        let actual = bytes.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0 ..< body])) }
        if stored != actual {
            throw DataError(.damaged, file: file, "checksum mismatch (stored \(stored.hex16), computed \(actual.hex16)): the file is damaged")
        }
    }
}
