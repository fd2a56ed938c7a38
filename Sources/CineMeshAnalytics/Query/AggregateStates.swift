import CineMeshData

/// The partial state of one aggregate for every group of a block (struct of arrays, indexed by
/// group). States of two blocks merge exactly (`merge`), always in block order, so every result
/// is the same bits whatever the number of workers: counts and integer sums are exact, double
/// sums and moments are merged in the same order every time, and exact quantiles and distinct
/// sets keep their values.
enum AggregateStates: Sendable {
    case count([Int64])
    case sumInteger(sum: [Int64], n: [Int64])
    /// sum and avg of doubles; bayes_avg.
    case sumDouble(sum: [Double], n: [Int64])
    /// var, stddev: count, mean and sum of squared deviations (Welford within a block, Chan et
    /// al. between blocks).
    case moments(n: [Int64], mean: [Double], m2: [Double])
    /// min and max: the best value so far (NULL until one is seen).
    case extreme([Value], max: Bool)
    /// Exact quantiles and median: every non-NULL value of each group.
    case values([[Double]])
    /// quantile_disc over text: every non-NULL value of each group.
    case items([[Value]])
    /// DISTINCT aggregates: the distinct non-NULL values of each group, in first-seen order.
    case distinct([[Value]], seen: [Set<Value>])
    /// approx_count_distinct: exact hashes while few, HyperLogLog past 256 per group.
    case hll([DistinctSketch])
    /// approx_quantile.
    case quantileSketch([QuantileSketch])

    /// Empty states for `groups` groups of aggregate `call`.
    init(_ call: AggregateCall, groups: Int) {
        func z<T>(_ v: T) -> [T] { Array(repeating: v, count: groups) }
        if call.distinct {
            self = .distinct(z([]), seen: z([]))
            return
        }
        switch call.function {
        case .count: self = .count(z(0))
        case .sum where call.argument?.type == .integer: self = .sumInteger(sum: z(0), n: z(0))
        case .sum, .avg, .bayesAvg: self = .sumDouble(sum: z(0), n: z(0))
        case .varSamp, .varPop, .stddevSamp, .stddevPop: self = .moments(n: z(0), mean: z(0), m2: z(0))
        case .min: self = .extreme(z(.null), max: false)
        case .max: self = .extreme(z(.null), max: true)
        case .quantileDisc where call.argument?.type == .text: self = .items(z([]))
        case .median, .quantileCont, .quantileDisc: self = .values(z([]))
        case .approxCountDistinct: self = .hll(z(DistinctSketch()))
        case .approxQuantile: self = .quantileSketch(z(QuantileSketch()))
        }
    }

    var groups: Int {
        switch self {
        case .count(let c): return c.count
        case .sumInteger(let s, _): return s.count
        case .sumDouble(let s, _): return s.count
        case .moments(let n, _, _): return n.count
        case .extreme(let v, _): return v.count
        case .values(let v): return v.count
        case .distinct(let v, _): return v.count
        case .items(let v): return v.count
        case .hll(let h): return h.count
        case .quantileSketch(let q): return q.count
        }
    }

    /// Adds rows: row `k` of `argument` (nil for count(*)) goes to group `groupOf[k]`.
    mutating func update(groupOf: [UInt32], argument: Vector?) throws(QueryError) {
        let n = groupOf.count
        switch self {
        case .count(var c):
            self = .count([])
            if let argument {
                for k in 0 ..< n where !argument.isNull(k) { c[Int(groupOf[k])] += 1 }
            } else {
                c.withUnsafeMutableBufferPointer { c in for g in groupOf { c[Int(g)] += 1 } }
            }
            self = .count(c)
        case .sumInteger(var sum, var count):
            self = .count([])
            guard let (x, valid) = VectorMath.ints(argument!) else {
                self = .sumInteger(sum: sum, n: count)
                break
            }
            for k in 0 ..< n where valid?[k] ?? true {
                let g = Int(groupOf[k])
                let (s, overflow) = sum[g].addingReportingOverflow(x[k])
                if overflow { throw QueryError("integer overflow in sum(); cast the argument to DOUBLE", at: nil) }
                sum[g] = s
                count[g] += 1
            }
            self = .sumInteger(sum: sum, n: count)
        case .sumDouble(var sum, var count):
            self = .count([])
            guard let (x, valid) = VectorMath.doubles(argument!) else {
                self = .sumDouble(sum: sum, n: count)
                break
            }
            sum.withUnsafeMutableBufferPointer { s in
                count.withUnsafeMutableBufferPointer { c in
                    x.withUnsafeBufferPointer { x in
                        if let valid {
                            for k in 0 ..< n where valid[k] {
                                let g = Int(groupOf[k])
                                s[g] += x[k]
                                c[g] += 1
                            }
                        } else {
                            for k in 0 ..< n {
                                let g = Int(groupOf[k])
                                s[g] += x[k]
                                c[g] += 1
                            }
                        }
                    }
                }
            }
            self = .sumDouble(sum: sum, n: count)
        case .moments(var count, var mean, var m2):
            self = .count([])
            if let (x, valid) = VectorMath.doubles(argument!) {
                // Two passes and no division per row: this block's count and mean per group, then
                // its squared deviations from that mean; folded into the states as one more
                // partial (Chan et al.), the same for every block whatever ran it.
                let groups = count.count
                var n = [Int64](repeating: 0, count: groups)
                var sum = [Double](repeating: 0, count: groups)
                x.withUnsafeBufferPointer { x in
                    for k in 0 ..< x.count where valid?[k] ?? true {
                        let g = Int(groupOf[k])
                        n[g] += 1
                        sum[g] += x[k]
                    }
                }
                var blockMean = [Double](repeating: 0, count: groups)
                for g in 0 ..< groups where n[g] > 0 { blockMean[g] = sum[g] / Double(n[g]) }
                var squares = [Double](repeating: 0, count: groups)
                x.withUnsafeBufferPointer { x in
                    for k in 0 ..< x.count where valid?[k] ?? true {
                        let g = Int(groupOf[k])
                        let d = x[k] - blockMean[g]
                        squares[g] += d * d
                    }
                }
                for g in 0 ..< groups where n[g] > 0 {
                    if count[g] == 0 {
                        mean[g] = blockMean[g]
                        m2[g] = squares[g]
                    } else {
                        let na = Double(count[g]), nb = Double(n[g])
                        let d = blockMean[g] - mean[g]
                        mean[g] += d * nb / (na + nb)
                        m2[g] += squares[g] + d * d * na * nb / (na + nb)
                    }
                    count[g] += n[g]
                }
            }
            self = .moments(n: count, mean: mean, m2: m2)
        case .extreme(var best, let isMax):
            self = .count([])
            let a = argument!
            for k in 0 ..< n {
                let v = a[k]
                if v.isNull { continue }
                let g = Int(groupOf[k])
                if best[g].isNull || (Value.order(v, best[g]) > 0) == isMax && Value.order(v, best[g]) != 0 { best[g] = v }
            }
            self = .extreme(best, max: isMax)
        case .values(var lists):
            self = .count([])
            if let (x, valid) = VectorMath.doubles(argument!) {
                for k in 0 ..< n where valid?[k] ?? true { lists[Int(groupOf[k])].append(x[k]) }
            }
            self = .values(lists)
        case .items(var lists):
            self = .count([])
            let a = argument!
            for k in 0 ..< n where !a.isNull(k) { lists[Int(groupOf[k])].append(a[k]) }
            self = .items(lists)
        case .distinct(var lists, var seen):
            self = .count([])
            let a = argument!
            for k in 0 ..< n {
                let v = Self.normalized(a[k])
                if v.isNull { continue }
                let g = Int(groupOf[k])
                if seen[g].insert(v).inserted { lists[g].append(v) }
            }
            self = .distinct(lists, seen: seen)
        case .hll(var sketches):
            self = .count([])
            let a = argument!
            for k in 0 ..< n {
                switch a[k] {
                case .null: continue
                case .integer(let i): sketches[Int(groupOf[k])].add(i)
                case .double(let d): sketches[Int(groupOf[k])].add(d)
                case .text(let s): sketches[Int(groupOf[k])].add(s)
                case .boolean(let b): sketches[Int(groupOf[k])].add(Int64(b ? 1 : 0))
                }
            }
            self = .hll(sketches)
        case .quantileSketch(var sketches):
            self = .count([])
            if let (x, valid) = VectorMath.doubles(argument!) {
                for k in 0 ..< n where valid?[k] ?? true { sketches[Int(groupOf[k])].add(x[k]) }
            }
            self = .quantileSketch(sketches)
        }
    }

    /// Values kept whole (exact quantiles, DISTINCT sets): what the exact forms cost.
    var valuesHeld: Int {
        switch self {
        case .values(let l): return l.reduce(0) { $0 + $1.count }
        case .items(let l): return l.reduce(0) { $0 + $1.count }
        case .distinct(let l, _): return l.reduce(0) { $0 + $1.count }
        default: return 0
        }
    }

    /// Integral doubles as integers, so DISTINCT sees 4 and 4.0 as one value.
    static func normalized(_ v: Value) -> Value {
        if case .double(let d) = v, d == d.rounded(), abs(d) < 9e15 { return .integer(Int64(d)) }
        return v
    }

    /// Folds every group `g` of `other` into this state's group `target[g]` (which must exist).
    /// One pass per partial; `self` is emptied first so its arrays are updated in place.
    mutating func merge(_ other: AggregateStates, into target: [Int]) throws(QueryError) {
        switch self {
        case .count(var c):
            self = .count([])
            guard case .count(let o) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() { c[t] &+= o[g] }
            self = .count(c)
        case .sumInteger(var s, var n):
            self = .count([])
            guard case .sumInteger(let os, let on) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() {
                let (sum, overflow) = s[t].addingReportingOverflow(os[g])
                if overflow {
                    self = .sumInteger(sum: s, n: n)
                    throw QueryError("integer overflow in sum(); cast the argument to DOUBLE", at: nil)
                }
                s[t] = sum
                n[t] &+= on[g]
            }
            self = .sumInteger(sum: s, n: n)
        case .sumDouble(var s, var n):
            self = .count([])
            guard case .sumDouble(let os, let on) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() {
                s[t] += os[g]
                n[t] &+= on[g]
            }
            self = .sumDouble(sum: s, n: n)
        case .moments(var n, var mean, var m2):
            self = .count([])
            guard case .moments(let on, let omean, let om2) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() where on[g] > 0 {
                if n[t] == 0 {
                    mean[t] = omean[g]
                    m2[t] = om2[g]
                } else {
                    let na = Double(n[t]), nb = Double(on[g])
                    let d = omean[g] - mean[t]
                    let total = na + nb
                    mean[t] += d * nb / total
                    m2[t] += om2[g] + d * d * na * nb / total
                }
                n[t] &+= on[g]
            }
            self = .moments(n: n, mean: mean, m2: m2)
        case .extreme(var best, let isMax):
            self = .count([])
            guard case .extreme(let o, _) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() {
                let v = o[g]
                if !v.isNull, best[t].isNull || (Value.order(v, best[t]) > 0) == isMax && Value.order(v, best[t]) != 0 { best[t] = v }
            }
            self = .extreme(best, max: isMax)
        case .values(var lists):
            self = .count([])
            guard case .values(let o) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() { lists[t].append(contentsOf: o[g]) }
            self = .values(lists)
        case .items(var lists):
            self = .count([])
            guard case .items(let o) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() { lists[t].append(contentsOf: o[g]) }
            self = .items(lists)
        case .distinct(var lists, var seen):
            self = .count([])
            guard case .distinct(let o, _) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() {
                for v in o[g] where seen[t].insert(v).inserted { lists[t].append(v) }
            }
            self = .distinct(lists, seen: seen)
        case .hll(var h):
            self = .count([])
            guard case .hll(let o) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() { h[t].merge(o[g]) }
            self = .hll(h)
        case .quantileSketch(var q):
            self = .count([])
            guard case .quantileSketch(let o) = other else { preconditionFailure("merging different aggregate states") }
            for (g, t) in target.enumerated() { q[t].merge(o[g]) }
            self = .quantileSketch(q)
        }
    }

    /// Appends `count` empty groups.
    mutating func grow(by count: Int, _ call: AggregateCall) {
        let extra = AggregateStates(call, groups: count)
        switch self {
        case .count(var a):
            self = .count([])
            guard case .count(let b) = extra else { preconditionFailure("growing different aggregate states") }
            a += b
            self = .count(a)
        case .sumInteger(var s, var n):
            self = .count([])
            guard case .sumInteger(let s2, let n2) = extra else { preconditionFailure("growing different aggregate states") }
            s += s2
            n += n2
            self = .sumInteger(sum: s, n: n)
        case .sumDouble(var s, var n):
            self = .count([])
            guard case .sumDouble(let s2, let n2) = extra else { preconditionFailure("growing different aggregate states") }
            s += s2
            n += n2
            self = .sumDouble(sum: s, n: n)
        case .moments(var n, var m, var q):
            self = .count([])
            guard case .moments(let n2, let m2, let q2) = extra else { preconditionFailure("growing different aggregate states") }
            n += n2
            m += m2
            q += q2
            self = .moments(n: n, mean: m, m2: q)
        case .extreme(var v, let isMax):
            self = .count([])
            guard case .extreme(let v2, _) = extra else { preconditionFailure("growing different aggregate states") }
            v += v2
            self = .extreme(v, max: isMax)
        case .values(var v):
            self = .count([])
            guard case .values(let v2) = extra else { preconditionFailure("growing different aggregate states") }
            v += v2
            self = .values(v)
        case .items(var v):
            self = .count([])
            guard case .items(let v2) = extra else { preconditionFailure("growing different aggregate states") }
            v += v2
            self = .items(v)
        case .distinct(var l, var s):
            self = .count([])
            guard case .distinct(let l2, let s2) = extra else { preconditionFailure("growing different aggregate states") }
            l += l2
            s += s2
            self = .distinct(l, seen: s)
        case .hll(var h):
            self = .count([])
            guard case .hll(let h2) = extra else { preconditionFailure("growing different aggregate states") }
            h += h2
            self = .hll(h)
        case .quantileSketch(var q):
            self = .count([])
            guard case .quantileSketch(let q2) = extra else { preconditionFailure("growing different aggregate states") }
            q += q2
            self = .quantileSketch(q)
        }
    }
}
