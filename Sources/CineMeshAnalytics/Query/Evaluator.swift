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
        if substitute == nil, let ref = Self.singleReference(e), !Self.isReference(e) {
            let v = try reference(ref)
            if case .coded(let codes, let dictionary) = v, dictionary.count * 2 < codes.count {
                var sub = self
                sub.substitute = (ref, dictionary)
                let onDictionary = try sub.eval(e)
                if onDictionary.type == .text { return .coded(codes, dictionary: onDictionary) }
                return onDictionary.gather(codes.map { $0 == Vector.nullCode ? Int32(-1) : Int32(bitPattern: $0) })
            }
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
            let vs = try parts.map { (x) throws(QueryError) in try eval(x) }
            let other = try otherwise.map { (x) throws(QueryError) in try eval(x) }
            return try perRow(vs + (other.map { [$0] } ?? []), e.type) { v in
                var i = 0
                while i + 1 < parts.count {
                    if v[i] == .boolean(true) { return v[i + 1] }
                    i += 2
                }
                return other == nil ? .null : v[parts.count]
            }
        case .cast(let a, let type):
            let x = try eval(a)
            if x.type == type { return x }
            return try perRow([x], type) { (v) throws(QueryError) in try Scalar.cast(v[0], to: type) }
        }
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
