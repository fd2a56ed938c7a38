/// Turns external ids into first-appearance codes while parsing. Canonical integer ids (the common
/// case) below 2^24 index a direct table (ids are usually small and dense, so it stays in cache);
/// larger integers go through an open-addressing hash table; other ids through a dictionary of
/// text. No String is made per row.
struct IdInterner {
    static let directLimit: Int64 = 1 << 24
    private var direct: [UInt32] = []
    private var slots: [Int64]
    private var codes: [UInt32]
    private var mask: Int
    private var used = 0
    private var text: [String: UInt32] = [:]
    private(set) var keys: [ExternalId] = []
    // Rating files are usually grouped by user (or by movie): remembering the last integer id
    // skips the hash probe for most rows.
    private var lastKey: Int64 = -1
    private var lastCode: UInt32 = 0

    init() {
        slots = [Int64](repeating: -1, count: 1024)
        codes = [UInt32](repeating: 0, count: 1024)
        mask = 1023
    }

    /// Code of a non-empty, trimmed id field of a `DelimitedReader` (padded: see
    /// `FieldParsing.digits(padded:count:)`).
    @inline(__always)
    mutating func intern(_ p: UnsafeBufferPointer<UInt8>, encoding: TextEncoding) -> UInt32 {
        if let v = FieldParsing.canonicalUnsigned(padded: p) { return intern(v) }
        let s = encoding.decode(p)
        if let c = text[s] { return c }
        let c = UInt32(keys.count)
        text[s] = c
        keys.append(.text(s))
        return c
    }

    /// Code of an integer id.
    @inline(__always)
    mutating func intern(_ v: Int64) -> UInt32 {
        if v == lastKey { return lastCode }
        let c = v < Self.directLimit ? lookupDirect(Int(v)) : probe(v)
        lastKey = v
        lastCode = c
        return c
    }

    @inline(__always)
    private mutating func lookupDirect(_ v: Int) -> UInt32 {
        if v >= direct.count {
            direct.append(contentsOf: repeatElement(UInt32.max, count: min(Int(Self.directLimit), max(v + 1, direct.count * 2)) - direct.count))
        }
        let c = direct[v]
        if c != .max { return c }
        let new = UInt32(keys.count)
        direct[v] = new
        keys.append(.int(Int64(v)))
        return new
    }

    @inline(__always)
    private mutating func probe(_ v: Int64) -> UInt32 {
        var i = Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while true {
            let s = slots[i]
            if s == v { return codes[i] }
            if s == -1 { break }
            i = (i + 1) & mask
        }
        let c = UInt32(keys.count)
        slots[i] = v
        codes[i] = c
        keys.append(.int(v))
        used += 1
        if used * 2 > slots.count { grow() }
        return c
    }

    private mutating func grow() {
        let oldSlots = slots, oldCodes = codes
        slots = [Int64](repeating: -1, count: oldSlots.count * 2)
        codes = [UInt32](repeating: 0, count: oldSlots.count * 2)
        mask = slots.count - 1
        for (k, s) in oldSlots.enumerated() where s != -1 {
            var i = Int(truncatingIfNeeded: (UInt64(bitPattern: s) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
            while slots[i] != -1 { i = (i + 1) & mask }
            slots[i] = s
            codes[i] = oldCodes[k]
        }
    }
}
