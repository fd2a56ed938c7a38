/// The coordinator's table of groups while partials merge: each group's key values, found by an
/// open-addressing hash over 64-bit words (integers and doubles by their bits, text interned to
/// numbers, a NULL mask), so a lookup allocates nothing. A single integer key over a dense range
/// (user and item ids) is found by direct index instead, no hashing at all. Groups are numbered
/// in order of first appearance, which with partials merged in block order is the same for any
/// number of workers.
struct GroupKeyTable {
    /// Direct index for one integer key: `ids[key - base]` is the key's group (-1: none yet).
    private var dense: (base: Int64, ids: [Int32])?
    private var denseNullGroup: Int?
    /// Still eligible for the direct index (one integer key, ranges small so far).
    private var denseEligible: Bool
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
        denseEligible = keys == 1
    }

    /// The group numbers of a partial's groups (typed key columns), adding the new ones.
    mutating func groups(of keyColumns: [Vector], count n: Int) -> [Int] {
        if denseEligible, case .integer(let keys, let valid) = keyColumns[0], let found = denseGroups(keys, valid, n) {
            return found
        }
        if denseEligible {
            // Leaving the direct index for good: the hash takes over the groups so far.
            denseEligible = false
            dense = nil
            rebuildWords()
        }
        return hashedGroups(keyColumns, n)
    }

    /// Groups by direct index, or nil when this partial's keys would make the range too sparse.
    private mutating func denseGroups(_ keys: [Int64], _ valid: [Bool]?, _ n: Int) -> [Int]? {
        var lo = Int64.max, hi = Int64.min
        for g in 0 ..< n where valid?[g] ?? true {
            lo = min(lo, keys[g])
            hi = max(hi, keys[g])
        }
        if let d = dense, !d.ids.isEmpty {
            lo = min(lo, d.base)
            hi = max(hi, d.base + Int64(d.ids.count) - 1)
        }
        if lo <= hi {
            let (span, overflow) = hi.subtractingReportingOverflow(lo)
            guard !overflow, span < max(1 << 20, 8 * Int64(count + n)) else { return nil }
            let size = Int(span) + 1
            if dense == nil || dense!.base != lo || dense!.ids.count != size {
                var ids = [Int32](repeating: -1, count: size)
                if let d = dense {
                    let shift = Int(d.base - lo)
                    for (k, id) in d.ids.enumerated() where id >= 0 { ids[shift + k] = id }
                }
                dense = (lo, ids)
            }
        }
        var out = [Int](repeating: 0, count: n)
        var d = dense ?? (0, [])
        dense = nil
        let base = d.base
        d.ids.withUnsafeMutableBufferPointer { ids in
            for g in 0 ..< n {
                if valid?[g] == false {
                    if let nullGroup = denseNullGroup { out[g] = nullGroup } else {
                        denseNullGroup = count
                        out[g] = count
                        columns[0].append(.null)
                        count += 1
                    }
                    continue
                }
                let slot = Int(keys[g] - base)
                var id = ids[slot]
                if id < 0 {
                    id = Int32(count)
                    ids[slot] = id
                    columns[0].append(.integer(keys[g]))
                    count += 1
                }
                out[g] = Int(id)
            }
        }
        dense = d
        return out
    }

    /// The hash's words for the groups found by direct index so far.
    private mutating func rebuildWords() {
        words = []
        words.reserveCapacity(count * width)
        for g in 0 ..< count {
            switch columns[0][g] {
            case .integer(let i): words += [UInt64(bitPattern: i), 0]
            default: words += [0, 1]
            }
        }
        var size = 64
        while size < count * 2 + 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size / 2)
        rehash()
    }

    private mutating func hashedGroups(_ keyColumns: [Vector], _ n: Int) -> [Int] {
        var words = [UInt64](repeating: 0, count: n * width)
        for (j, column) in keyColumns.enumerated() {
            let bit = UInt64(1) << UInt64(j)
            // A NULL key is its mask bit alone: whatever value its slot holds is not part of it.
            func nulls(_ valid: [Bool]?) {
                guard let valid else { return }
                for g in 0 ..< n where !valid[g] {
                    words[g * width + j] = 0
                    words[g * width + keyCount] |= bit
                }
            }
            switch column {
            case .integer(let v, let valid):
                for g in 0 ..< n { words[g * width + j] = UInt64(bitPattern: v[g]) }
                nulls(valid)
            case .double(let v, let valid):
                for g in 0 ..< n { words[g * width + j] = (v[g] == 0 ? 0 : v[g]).bitPattern }
                nulls(valid)
            case .boolean(let v, let valid):
                for g in 0 ..< n { words[g * width + j] = v[g] ? 1 : 0 }
                nulls(valid)
            case .text(let v, let valid):
                for g in 0 ..< n where valid?[g] ?? true {
                    if let t = texts[v[g]] { words[g * width + j] = t } else {
                        let t = UInt64(texts.count)
                        texts[v[g]] = t
                        words[g * width + j] = t
                    }
                }
                nulls(valid)
            case .null, .coded:
                for g in 0 ..< n { words[g * width + keyCount] |= bit }
            }
        }
        var out = [Int](repeating: 0, count: n)
        var row = [UInt64](repeating: 0, count: width)
        for g in 0 ..< n {
            for j in 0 ..< width { row[j] = words[g * width + j] }
            out[g] = find(row, keyColumns, g)
        }
        return out
    }

    private mutating func find(_ row: [UInt64], _ keyColumns: [Vector], _ g: Int) -> Int {
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
