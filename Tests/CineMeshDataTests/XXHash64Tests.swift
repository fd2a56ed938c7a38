import CineMeshData
import Testing

@Suite struct XXHash64Tests {
    // Reference digests from the xxhash reference implementation (python `xxhash`).
    @Test(arguments: [
        ("", 0xEF46_DB37_51D8_E999 as UInt64),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("CineMesh", 0x875B_9BD8_90E4_0A04),
    ])
    func matchesReference(text: String, digest: UInt64) {
        #expect(XXHash64.hash(Array(text.utf8)) == digest)
    }

    @Test func longInputMatchesReference() {
        var bytes: [UInt8] = []
        for _ in 0 ..< 3 { bytes += (0 ... 255).map { UInt8($0) } }
        bytes += Array("tail".utf8)
        #expect(XXHash64.hash(bytes) == 0x2A74_DE53_0BDF_2A9F)
    }

    @Test func streamingEqualsOneShotForEverySplit() {
        var rng = SeededRandom(seed: 7)
        for length in [0, 1, 7, 31, 32, 33, 64, 100, 1000] {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let whole = XXHash64.hash(bytes)
            for split in Set([0, length / 3, length / 2, max(0, length - 1), length]) {
                var h = XXHash64()
                h.update(Array(bytes[..<split]))
                h.update(Array(bytes[split...]))
                #expect(h.finalize() == whole, "length \(length) split \(split)")
            }
            var byteAtATime = XXHash64()
            for b in bytes { byteAtATime.update([b]) }
            #expect(byteAtATime.finalize() == whole)
        }
    }
}
