/// Assigns each row its group, numbering groups in order of first appearance: by direct slots
/// when every key has a small domain (dictionary codes, booleans, integers in a narrow range:
/// "perfect hashing", no hash at all), else by an open-addressing table over the keys' 64-bit
/// forms. Text that is not dictionary-encoded is interned first.
enum GroupIndexer {
    /// The group of every row and the first row of every group.
    static func index(_ keys: [Vector], count: Int) -> (groupOf: [UInt32], firstRow: [Int32]) {
        if keys.isEmpty { return ([UInt32](repeating: 0, count: count), count > 0 ? [0] : []) }
        if let slots = directSlots(keys, count: count) { return compact(slots.codes, domain: slots.domain) }
        return hashed(keys, count: count)
    }

    /// Per-row slot numbers when the keys' domains multiply to at most 4M slots: each key adds
    /// its code times the product of the domains before it, in one pass per key.
    private static func directSlots(_ keys: [Vector], count: Int) -> (codes: [UInt32], domain: Int)? {
        // The domain of each key first, from its dictionary or its range: no pass for codes.
        var domains: [(size: Int, low: Int64)] = []
        var domain = 1
        for key in keys {
            let d: (Int, Int64)
            switch key {
            case .coded(_, let dictionary): d = (dictionary.count + 1, 0)
            case .boolean: d = (3, 0)
            case .null: d = (1, 0)
            case .integer(let x, let valid):
                var lo = Int64.max, hi = Int64.min
                x.withUnsafeBufferPointer { x in
                    for k in 0 ..< x.count where valid?[k] ?? true {
                        lo = min(lo, x[k])
                        hi = max(hi, x[k])
                    }
                }
                if lo > hi { (lo, hi) = (0, 0) }
                let (span, overflow) = hi.subtractingReportingOverflow(lo)
                guard !overflow, span < 1 << 16 else { return nil }
                d = (Int(span) + 2, lo)
            default:
                return nil
            }
            domain *= d.0
            guard domain <= 1 << 22 else { return nil }
            domains.append(d)
        }
        if keys.count == 1, case .coded(let codes, let dictionary) = keys[0], !codes.contains(Vector.nullCode) {
            return (codes, dictionary.count + 1)
        }
        var slot = [UInt32](repeating: 0, count: count)
        var stride: UInt32 = 1
        slot.withUnsafeMutableBufferPointer { out in
            for (key, d) in zip(keys, domains) {
                switch key {
                case .coded(let codes, let dictionary):
                    let nullSlot = UInt32(dictionary.count)
                    codes.withUnsafeBufferPointer { c in
                        for k in 0 ..< count { out[k] &+= (c[k] == Vector.nullCode ? nullSlot : c[k]) &* stride }
                    }
                case .boolean(let b, let valid):
                    for k in 0 ..< count { out[k] &+= (valid?[k] == false ? 2 : (b[k] ? 1 : 0)) &* stride }
                case .integer(let x, let valid):
                    let nullSlot = UInt32(d.size - 1), lo = d.low
                    x.withUnsafeBufferPointer { x in
                        if let valid {
                            for k in 0 ..< count { out[k] &+= (valid[k] ? UInt32(truncatingIfNeeded: x[k] &- lo) : nullSlot) &* stride }
                        } else {
                            for k in 0 ..< count { out[k] &+= UInt32(truncatingIfNeeded: x[k] &- lo) &* stride }
                        }
                    }
                default:
                    break
                }
                stride &*= UInt32(d.size)
            }
        }
        return (slot, domain)
    }

    /// Group numbers in first-appearance order from slot numbers.
    private static func compact(_ slots: [UInt32], domain: Int) -> ([UInt32], [Int32]) {
        var groupOfSlot = [UInt32](repeating: UInt32.max, count: domain)
        var groupOf = [UInt32](repeating: 0, count: slots.count)
        var firstRow: [Int32] = []
        slots.withUnsafeBufferPointer { s in
            groupOfSlot.withUnsafeMutableBufferPointer { map in
                groupOf.withUnsafeMutableBufferPointer { out in
                    for k in 0 ..< s.count {
                        var g = map[Int(s[k])]
                        if g == UInt32.max {
                            g = UInt32(firstRow.count)
                            map[Int(s[k])] = g
                            firstRow.append(Int32(k))
                        }
                        out[k] = g
                    }
                }
            }
        }
        return (groupOf, firstRow)
    }

    /// Open addressing over each row's key words (one per key, plus a NULL mask).
    private static func hashed(_ keys: [Vector], count: Int) -> ([UInt32], [Int32]) {
        let width = keys.count + 1
        var words = [UInt64](repeating: 0, count: count * width)
        for (j, key) in keys.enumerated() {
            let bit = UInt64(1) << UInt64(j)
            switch key {
            case .coded(let codes, _):
                for k in 0 ..< count { if codes[k] == Vector.nullCode { words[k * width + keys.count] |= bit } else { words[k * width + j] = UInt64(codes[k]) } }
            case .integer(let x, let valid):
                for k in 0 ..< count { if valid?[k] == false { words[k * width + keys.count] |= bit } else { words[k * width + j] = UInt64(bitPattern: x[k]) } }
            case .double(let x, let valid):
                for k in 0 ..< count {
                    if valid?[k] == false { words[k * width + keys.count] |= bit } else { words[k * width + j] = (x[k] == 0 ? 0 : x[k]).bitPattern }
                }
            case .boolean(let b, let valid):
                for k in 0 ..< count { if valid?[k] == false { words[k * width + keys.count] |= bit } else { words[k * width + j] = b[k] ? 1 : 0 } }
            case .text(let s, let valid):
                var intern: [String: UInt64] = [:]
                for k in 0 ..< count {
                    if valid?[k] == false {
                        words[k * width + keys.count] |= bit
                    } else {
                        let next = UInt64(intern.count)
                        words[k * width + j] = intern[s[k], default: next]
                        if intern[s[k]] == nil { intern[s[k]] = next }
                    }
                }
            case .null:
                for k in 0 ..< count { words[k * width + keys.count] |= bit }
            }
        }
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var table = [Int32](repeating: -1, count: capacity)  // the group in each slot
        var groupOfRow = [UInt32](repeating: 0, count: count)
        var firstRow: [Int32] = []
        words.withUnsafeBufferPointer { w in
            for k in 0 ..< count {
                var h: UInt64 = 0x9E37_79B9_7F4A_7C15
                for j in 0 ..< width { h = (h ^ w[k * width + j]) &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 31 }
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let g = table[slot]
                    if g < 0 {
                        table[slot] = Int32(firstRow.count)
                        groupOfRow[k] = UInt32(firstRow.count)
                        firstRow.append(Int32(k))
                        break
                    }
                    let f = Int(firstRow[Int(g)])
                    var same = true
                    for j in 0 ..< width where w[f * width + j] != w[k * width + j] {
                        same = false
                        break
                    }
                    if same {
                        groupOfRow[k] = UInt32(g)
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        return (groupOfRow, firstRow)
    }
}
