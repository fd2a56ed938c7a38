/// For a dictionary-encoded numeric argument with few values (ratings): how many rows of each
/// group hold each value. One pass of increments replaces a pass per aggregate; count, sum, mean,
/// variance and extremes of each group then come from its few counts. Sums add `count x value`
/// in dictionary order (the block's first-appearance order), so a block's partial is still the
/// same bits whoever computes it.
struct GroupHistogram {
    let groups: Int
    /// The dictionary's values; `integers` too when they are integers.
    let values: [Double]
    let integers: [Int64]?
    /// `counts[g * values.count + code]`.
    let counts: [Int64]

    /// nil unless `argument` is coded over at most 64 numbers and the table stays small.
    init?(groupOf: [UInt32], groups: Int, argument: Vector) {
        guard case .coded(let codes, let dictionary) = argument, dictionary.count <= 64,
              groups * max(dictionary.count, 1) <= 1 << 22 else { return nil }
        switch dictionary {
        case .double(let v, nil):
            values = v
            integers = nil
        case .integer(let v, nil):
            values = v.map(Double.init)
            integers = v
        default:
            return nil
        }
        let width = values.count
        var counts = [Int64](repeating: 0, count: groups * width)
        counts.withUnsafeMutableBufferPointer { h in
            codes.withUnsafeBufferPointer { c in
                groupOf.withUnsafeBufferPointer { g in
                    for k in 0 ..< c.count where c[k] != Vector.nullCode { h[Int(g[k]) * width + Int(c[k])] += 1 }
                }
            }
        }
        self.groups = groups
        self.counts = counts
    }
}

extension AggregateStates {
    /// Fills fresh states (one block's) from a histogram of the argument; false when this kind of
    /// aggregate needs the rows themselves.
    mutating func update(histogram h: GroupHistogram) throws(QueryError) -> Bool {
        let width = h.values.count
        switch self {
        case .count(var c):
            self = .count([])
            for g in 0 ..< h.groups {
                for k in 0 ..< width { c[g] += h.counts[g * width + k] }
            }
            self = .count(c)
        case .sumInteger(var sum, var n):
            guard let ints = h.integers else { return false }
            self = .count([])
            for g in 0 ..< h.groups {
                for k in 0 ..< width where h.counts[g * width + k] > 0 {
                    let (p, o1) = ints[k].multipliedReportingOverflow(by: h.counts[g * width + k])
                    let (s, o2) = sum[g].addingReportingOverflow(p)
                    if o1 || o2 { throw QueryError("integer overflow in sum(); cast the argument to DOUBLE", at: nil) }
                    sum[g] = s
                    n[g] += h.counts[g * width + k]
                }
            }
            self = .sumInteger(sum: sum, n: n)
        case .sumDouble(var sum, var n):
            self = .count([])
            for g in 0 ..< h.groups {
                for k in 0 ..< width where h.counts[g * width + k] > 0 {
                    sum[g] += Double(h.counts[g * width + k]) * h.values[k]
                    n[g] += h.counts[g * width + k]
                }
            }
            self = .sumDouble(sum: sum, n: n)
        case .moments(var count, var mean, var m2):
            self = .count([])
            for g in 0 ..< h.groups {
                var n: Int64 = 0, s = 0.0
                for k in 0 ..< width where h.counts[g * width + k] > 0 {
                    n += h.counts[g * width + k]
                    s += Double(h.counts[g * width + k]) * h.values[k]
                }
                guard n > 0 else { continue }
                let mu = s / Double(n)
                var q = 0.0
                for k in 0 ..< width where h.counts[g * width + k] > 0 {
                    let d = h.values[k] - mu
                    q += Double(h.counts[g * width + k]) * d * d
                }
                count[g] = n
                mean[g] = mu
                m2[g] = q
            }
            self = .moments(n: count, mean: mean, m2: m2)
        default:
            return false
        }
        return true
    }
}
