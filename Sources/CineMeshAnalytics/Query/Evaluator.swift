/// Evaluates bound expressions a whole column at a time over a `RowSet` (or over groups, for the
/// grouped scope). Numbers, comparisons and logic run as loops over typed arrays; an expression
/// that reads one dictionary-encoded column is computed once per dictionary entry and gathered.
/// What has no loop of its own goes through `Scalar`, value by value.
struct Evaluator {
    /// Stored columns of each source (for the sharded source: the block's).
    let base: [[Vector]]
    let lists: [[Int: ListColumn]]
    let unnests: [UnnestedList]
    var rows: RowSet
    /// Grouped scope: the group keys and finished aggregates, one entry per group.
    var groupKeys: [Vector] = []
    var aggregates: [Vector] = []
    /// While evaluating over a dictionary: the reference that stands for the dictionary.
    private var substitute: (Reference, Vector)?

    enum Reference: Equatable {
        case column(Int, Int)
        case listText(Int, Int)
        case element(Int)
    }

    init(base: [[Vector]], lists: [[Int: ListColumn]], unnests: [UnnestedList], rows: RowSet) {
        self.base = base
        self.lists = lists
        self.unnests = unnests
        self.rows = rows
    }

    /// The rows selected by a boolean vector (true, not NULL).
    static func selection(_ v: Vector) -> [Int32] {
        switch v.decoded() {
        case .boolean(let b, let valid):
            var out: [Int32] = []
            out.reserveCapacity(b.count)
            for k in 0 ..< b.count where b[k] && (valid?[k] ?? true) { out.append(Int32(k)) }
            return out
        default:
            return []
        }
    }

    var count: Int { substitute?.1.count ?? rows.count }


    func eval(_ e: BoundExpression) throws(QueryError) -> Vector {
        if substitute == nil, let ref = Self.singleReference(e), !Self.isReference(e),
           case .coded(let codes, let dictionary) = try reference(ref), dictionary.count * 2 < codes.count {
            return try overDictionary(e, ref, codes, dictionary)
        }
        switch e.kind {
        case .constant(let v):
            return .constant(v, count: count)
        case .column(let s, let c):
            return try reference(.column(s, c))
        case .listText(let s, let c):
            return try reference(.listText(s, c))
        case .element(let u):
            return try reference(.element(u))
        case .groupKey(let k):
            return groupKeys[k]
        case .aggregate(let k):
            return aggregates[k]
        case .unary(.negate, let a):
            return try VectorMath.negate(try eval(a))
        case .unary(.not, let a):
            return VectorMath.not(try eval(a))
        case .binary(let op, let a, let b):
            let x = try eval(a), y = try eval(b)
            switch op {
            case .and, .or: return VectorMath.logic(op, x, y)
            case .add, .subtract, .multiply, .divide, .modulo: return try VectorMath.arithmetic(op, x, y, type: e.type)
            case .concat:
                return try perRow([x, y], .text) { (v) throws(QueryError) in
                    v[0].isNull || v[1].isNull ? .null : .text(v[0].description + v[1].description)
                }
            default: return VectorMath.compare(op, x, y)
            }
        case .function(let f, let args):
            let vs = try args.map { (a) throws(QueryError) in try eval(a) }
            return try perRow(vs, e.type) { (v) throws(QueryError) in try Scalar.function(f, v) }
        case .inList(let a, let list, let negated):
            let vs = try ([a] + list).map { (x) throws(QueryError) in try eval(x) }
            return try perRow(vs, .boolean) { v in
                guard !v[0].isNull else { return .null }
                var sawNull = false
                for x in v.dropFirst() {
                    if x.isNull { sawNull = true } else if Value.order(v[0], x) == 0 { return .boolean(!negated) }
                }
                return sawNull ? .null : .boolean(negated)
            }
        case .like(let a, let p, let ci, let negated):
            let x = try eval(a)
            if case .constant(.text(let pattern)) = p.kind {
                let matcher = LikePattern(ci ? pattern.lowercased() : pattern)
                return try perRow([x], .boolean) { v in
                    guard case .text(let s) = v[0] else { return .null }
                    return .boolean(matcher.matches(ci ? s.lowercased() : s) != negated)
                }
            }
            return try perRow([x, try eval(p)], .boolean) { v in Scalar.like(v[0], v[1], caseInsensitive: ci, negated: negated) }
        case .isNull(let a, let negated):
            let x = try eval(a)
            return .boolean((0 ..< x.count).map { x.isNull($0) != negated }, validity: nil)
        case .caseWhen(let parts, let otherwise):
            // Each branch's value only on the rows that take it: an error in a branch a row does
            // not take is no error.
            var out = [Value](repeating: .null, count: count)
            var remaining = (0 ..< Int32(count)).map { $0 }
            var i = 0
            while i + 1 < parts.count, !remaining.isEmpty {
                let here = restricted(to: remaining)
                let taken = Evaluator.selection(try here.eval(parts[i]))
                if !taken.isEmpty {
                    let rowsTaking = taken.map { remaining[Int($0)] }
                    let values = try restricted(to: rowsTaking).eval(parts[i + 1])
                    for (k, r) in rowsTaking.enumerated() { out[Int(r)] = values[k] }
                    var isTaken = [Bool](repeating: false, count: remaining.count)
                    for t in taken { isTaken[Int(t)] = true }
                    remaining = remaining.enumerated().filter { !isTaken[$0.offset] }.map(\.element)
                }
                i += 2
            }
            if let otherwise, !remaining.isEmpty {
                let values = try restricted(to: remaining).eval(otherwise)
                for (k, r) in remaining.enumerated() { out[Int(r)] = values[k] }
            }
            return .from(out, type: e.type)
        case .cast(let a, let type):
            let x = try eval(a)
            if x.type == type { return x }
            return try perRow([x], type) { (v) throws(QueryError) in try Scalar.cast(v[0], to: type) }
        }
    }

    /// `e`, which reads only `ref` (dictionary-encoded here), computed once per dictionary entry
    /// that these rows use (never for values the rows do not hold: a filtered-out value must not
    /// raise an error) and gathered back. A text result is encoded again with equal values merged,
    /// so grouping by codes groups by value.
    private func overDictionary(_ e: BoundExpression, _ ref: Reference, _ codes: [UInt32], _ dictionary: Vector) throws(QueryError) -> Vector {
        var local = [UInt32](repeating: Vector.nullCode, count: dictionary.count)
        var used: [Int32] = []
        for c in codes where c != Vector.nullCode && local[Int(c)] == Vector.nullCode {
            local[Int(c)] = UInt32(used.count)
            used.append(Int32(bitPattern: c))
        }
        var sub = self
        sub.substitute = (ref, dictionary.gather(used))
        // A row whose code is NULL takes the expression's value at NULL, computed once.
        let atNull = try { () throws(QueryError) -> Value in
            guard codes.contains(Vector.nullCode) else { return .null }
            var n = self
            n.substitute = (ref, .null(count: 1))
            return try n.eval(e)[0]
        }()
        let values = try sub.eval(e)
        if values.type == .text || (values.type == .null && e.type == .text) {
            // Merge equal results: entry k of `used` maps to a code of distinct results.
            var distinct: [String] = []
            var codeOf: [String: UInt32] = [:]
            var remap = [UInt32](repeating: Vector.nullCode, count: used.count)
            for k in 0 ..< used.count {
                guard case .text(let s) = values[k] else { continue }
                if let c = codeOf[s] { remap[k] = c } else {
                    remap[k] = UInt32(distinct.count)
                    codeOf[s] = UInt32(distinct.count)
                    distinct.append(s)
                }
            }
            var nullResult = Vector.nullCode
            if case .text(let s) = atNull {
                nullResult = codeOf[s] ?? UInt32(distinct.count)
                if codeOf[s] == nil { distinct.append(s) }
            }
            let out = codes.map { $0 == Vector.nullCode ? nullResult : remap[Int(local[Int($0)])] }
            return .coded(out, dictionary: .text(distinct, validity: nil))
        }
        let picks = codes.map { $0 == Vector.nullCode ? Int32(-1) : Int32(bitPattern: local[Int($0)]) }
        let gathered = values.gather(picks)
        guard !atNull.isNull else { return gathered }
        // Rare: a non-NULL result at NULL (coalesce, IS NULL): patch those rows.
        var all = (0 ..< gathered.count).map { gathered[$0] }
        for (k, c) in codes.enumerated() where c == Vector.nullCode { all[k] = atNull }
        return .from(all, type: e.type)
    }

    /// The evaluator over the rows at `picks` only (CASE evaluates a branch on the rows taking it).
    private func restricted(to picks: [Int32]) -> Evaluator {
        var e = self
        e.rows = rows.picking(picks)
        e.groupKeys = groupKeys.map { $0.gather(picks) }
        e.aggregates = aggregates.map { $0.gather(picks) }
        if let (r, v) = substitute { e.substitute = (r, v.gather(picks)) }
        return e
    }

    /// Applies `f` row by row to the values of `inputs`.
    private func perRow(_ inputs: [Vector], _ type: SQLType, _ f: ([Value]) throws(QueryError) -> Value) throws(QueryError) -> Vector {
        let n = count
        var out: [Value] = []
        out.reserveCapacity(n)
        var args = [Value](repeating: .null, count: inputs.count)
        for r in 0 ..< n {
            for i in 0 ..< inputs.count { args[i] = inputs[i][r] }
            out.append(try f(args))
        }
        return .from(out, type: type == .null ? (out.first { !$0.isNull }?.type ?? .null) : type)
    }

    private func reference(_ ref: Reference) throws(QueryError) -> Vector {
        if let (r, v) = substitute, r == ref { return v }
        // A plan that reads rows where there are none (over groups) is the binder's bug: an
        // error for this query, never a crash of the process running it.
        switch ref {
        case .column(let s, let c), .listText(let s, let c):
            guard s < base.count, c < base[s].count || lists[s][c] != nil else {
                throw QueryError("this expression cannot be computed here (it reads rows after grouping)", at: nil)
            }
        case .element(let u):
            guard u < unnests.count, u < rows.elementRows.count, unnests[u].source < lists.count else {
                throw QueryError("this expression cannot be computed here (it reads rows after grouping)", at: nil)
            }
        }
        switch ref {
        case .column(let s, let c):
            return Self.positioned(base[s][c], rows.sourceRows[s], count: rows.count)
        case .listText(let s, let c):
            return Self.positioned(lists[s][c]!.joined, rows.sourceRows[s], count: rows.count)
        case .element(let u):
            let list = lists[unnests[u].source][unnests[u].column]!
            return list.elements.gather(rows.elementRows[u])
        }
    }

    private static func positioned(_ v: Vector, _ positions: RowSet.Positions, count: Int) -> Vector {
        switch positions {
        case .identity: return v
        case .absent: return v.gather([Int32](repeating: -1, count: count))
        case .rows(let picks): return v.gather(picks)
        }
    }

    private static func isReference(_ e: BoundExpression) -> Bool {
        switch e.kind {
        case .column, .listText, .element: return true
        default: return false
        }
    }

    /// The one column an expression reads, if it reads exactly one and nothing grouped.
    static func singleReference(_ e: BoundExpression) -> Reference? {
        var found: Reference?
        var ok = true
        func walk(_ x: BoundExpression) {
            guard ok else { return }
            let r: Reference?
            switch x.kind {
            case .column(let s, let c): r = .column(s, c)
            case .listText(let s, let c): r = .listText(s, c)
            case .element(let u): r = .element(u)
            case .groupKey, .aggregate:
                ok = false
                return
            default:
                r = nil
                x.children.forEach(walk)
            }
            if let r {
                if found == nil { found = r } else if found != r { ok = false }
            }
        }
        walk(e)
        return ok ? found : nil
    }
}
