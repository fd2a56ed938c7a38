import CineMeshData

/// One input libFuzzer hands to `LLVMFuzzerTestOneInput`, and the forms the targets feed it in.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The bytes with their last 8 replaced by the XXH64 of the rest, the trailer every CineMesh
    /// binary file ends in: a mutation then reaches the decoder behind the checksum instead of
    /// stopping at "checksum mismatch". Nil when the input is shorter than a trailer.
    public var withValidChecksum: [UInt8]? {
        guard bytes.count >= 8 else { return nil }
        var fixed = Array(bytes.dropLast(8))
        withUnsafeBytes(of: XXHash64.hash(fixed).littleEndian) { fixed.append(contentsOf: $0) }
        return fixed
    }

    /// The input read as frames, each a little-endian `u16` length and that many bytes; a last
    /// frame cut short takes what is left (deploy/fuzz-seeds.py writes its seeds so).
    public var frames: [[UInt8]] {
        var frames: [[UInt8]] = []
        var at = 0
        while at + 2 <= bytes.count {
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8
            let end = min(bytes.count, at + 2 + length)
            frames.append(Array(bytes[at + 2 ..< end]))
            at = end
        }
        return frames
    }
}
