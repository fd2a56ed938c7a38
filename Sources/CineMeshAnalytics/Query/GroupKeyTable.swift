/// The coordinator's table of groups while partials merge: each group's key values, found by an
/// open-addressing hash over 64-bit words (integers and doubles by their bits, text interned to
/// numbers, a NULL mask), so a lookup allocates nothing. Groups are numbered in order of first
/// appearance, which with partials merged in block order is the same for any number of workers.
struct GroupKeyTable {
    private let width: Int
    private let keyCount: Int
    /// Per key column, every group's value (the result's key columns).
    private(set) var columns: [[Value]]
    private var words: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)
    private var texts: [String: UInt64] = [:]
    private(set) var count = 0

    init(keys: Int) {
        keyCount = keys
        width = keys + 1
        columns = Array(repeating: [], count: keys)
    }

    /// The group numbers of a partial's groups, adding the new ones.
    mutating func groups(of keyColumns: [[Value]], count n: Int) -> [Int] {
        var out = [Int](repeating: 0, count: n)
        var row = [UInt64](repeating: 0, count: width)
        for g in 0 ..< n {
            for j in 0 ..< width { row[j] = 0 }
            for j in 0 ..< keyCount {
                switch keyColumns[j][g] {
                case .null: row[keyCount] |= 1 << UInt64(j)
                case .integer(let i): row[j] = UInt64(bitPattern: i)
                case .double(let d): row[j] = (d == 0 ? 0 : d).bitPattern
                case .boolean(let b): row[j] = b ? 1 : 0
                case .text(let s):
                    if let t = texts[s] { row[j] = t } else {
                        let t = UInt64(texts.count)
                        texts[s] = t
                        row[j] = t
                    }
                }
            }
            out[g] = find(row, keyColumns, g)
        }
        return out
    }

    private mutating func find(_ row: [UInt64], _ keyColumns: [[Value]], _ g: Int) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for w in row { h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 31 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let existing = slots[slot]
            if existing < 0 { break }
            let base = Int(existing) * width
            var same = true
            for j in 0 ..< width where words[base + j] != row[j] {
                same = false
                break
            }
            if same { return Int(existing) }
            slot = (slot + 1) & mask
        }
        let id = count
        count += 1
        slots[slot] = Int32(id)
        words.append(contentsOf: row)
        for j in 0 ..< keyCount { columns[j].append(keyColumns[j][g]) }
        if count * 2 > slots.count { rehash() }
        return id
    }

    private mutating func rehash() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for id in 0 ..< count {
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for j in 0 ..< width { h = (h ^ words[id * width + j]) &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 31 }
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}
