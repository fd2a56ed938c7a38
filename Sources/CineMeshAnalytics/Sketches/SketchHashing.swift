import CineMeshData

/// The fixed (unseeded, process-independent) hash functions behind the sketches. Never Swift's
/// `Hasher`, which is seeded at random in every process.
enum SketchHashing {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// XXH64 (seed 0) of the 8 little-endian bytes of `word`: the same value as
    /// `XXHash64.hash` over those bytes, without the streaming state.
    @inline(__always)
    static func xxh64(word: UInt64) -> UInt64 {
        let k = rotl(word &* p2, 31) &* p1
        var h = rotl((p5 &+ 8) ^ k, 27) &* p1 &+ p4
        h ^= h >> 33; h &*= p2
        h ^= h >> 29; h &*= p3
        return h ^ (h >> 32)
    }

    /// XXH64 (seed 0) of the UTF-8 bytes of `text`, as given (no Unicode normalization).
    static func xxh64(utf8 text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0)) }
    }

    /// SplitMix64's finalizer: a bijective 64-bit mixer.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
}
