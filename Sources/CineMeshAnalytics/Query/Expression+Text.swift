import CineMeshData

extension Expression {
    /// The expression written back as SQL (the name of an unaliased select item: `avg(rating)`).
    public var sql: String {
        switch kind {
        case .literal(.text(let s)): return "'" + s.replacingOccurrences("'", "''") + "'"
        case .literal(.null): return "NULL"
        case .literal(let v): return v.description
        case .column(let q, let n): return q.map { "\($0).\(n)" } ?? n
        case .unary(.negate, let a): return "-\(a.sql)"
        case .unary(.not, let a): return "NOT \(a.sql)"
        case .binary(let op, let a, let b): return "\(a.sql) \(op.rawValue) \(b.sql)"
        case .call(let f, let args, let distinct, let star):
            return "\(f)(\(star ? "*" : (distinct ? "DISTINCT " : "") + args.map(\.sql).joined(separator: ", ")))"
        case .inList(let a, let l, let negated): return "\(a.sql) \(negated ? "NOT IN" : "IN") (\(l.map(\.sql).joined(separator: ", ")))"
        case .between(let a, let lo, let hi, let negated): return "\(a.sql) \(negated ? "NOT BETWEEN" : "BETWEEN") \(lo.sql) AND \(hi.sql)"
        case .like(let a, let p, let ci, let negated): return "\(a.sql) \(negated ? "NOT " : "")\(ci ? "ILIKE" : "LIKE") \(p.sql)"
        case .isNull(let a, let negated): return "\(a.sql) IS \(negated ? "NOT " : "")NULL"
        case .caseWhen(let o, let branches, let other):
            let head = o.map { "CASE \($0.sql)" } ?? "CASE"
            let whens = branches.map { " WHEN \($0.0.sql) THEN \($0.1.sql)" }.joined()
            return head + whens + (other.map { " ELSE \($0.sql)" } ?? "") + " END"
        case .cast(let a, let t): return "CAST(\(a.sql) AS \(t.rawValue))"
        }
    }
}
