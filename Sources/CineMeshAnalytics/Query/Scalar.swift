/// The query language's LIKE, casts and scalar functions on single values, with SQL's NULL rules:
/// what the evaluator applies value by value (arithmetic, comparisons and logic have vector loops
/// in `VectorMath`).
enum Scalar {
    static func like(_ s: Value, _ p: Value, caseInsensitive: Bool, negated: Bool) -> Value {
        guard case .text(var text) = s, case .text(var pattern) = p else { return .null }
        if caseInsensitive {
            text = text.lowercased()
            pattern = pattern.lowercased()
        }
        let m = LikePattern(pattern).matches(text)
        return .boolean(m != negated)
    }

    static func cast(_ v: Value, to type: SQLType) throws(QueryError) -> Value {
        switch (v, type) {
        case (.null, _): return .null
        case (_, .null): return .null
        case (.integer, .integer), (.double, .double), (.text, .text), (.boolean, .boolean): return v
        case (.integer(let i), .double): return .double(Double(i))
        case (.double(let d), .integer):
            let r = d.rounded(.toNearestOrEven)
            guard r.isFinite, abs(r) < 9.2e18 else { throw QueryError("cannot cast \(d) to INTEGER: out of range", at: nil) }
            return .integer(Int64(r))
        case (.boolean(let b), .integer): return .integer(b ? 1 : 0)
        case (.integer(let i), .boolean): return .boolean(i != 0)
        case (.text(let s), .integer):
            guard let i = Int64(s.trimmed) else { throw QueryError("cannot cast '\(s)' to INTEGER", at: nil) }
            return .integer(i)
        case (.text(let s), .double):
            guard let d = Double(s.trimmed) else { throw QueryError("cannot cast '\(s)' to DOUBLE", at: nil) }
            return .double(d)
        case (.text(let s), .boolean):
            switch s.trimmed.lowercased() {
            case "true", "t", "1", "yes": return .boolean(true)
            case "false", "f", "0", "no": return .boolean(false)
            default: throw QueryError("cannot cast '\(s)' to BOOLEAN", at: nil)
            }
        case (_, .text): return .text(v.description)
        default: throw QueryError("cannot cast \(v.type.rawValue) to \(type.rawValue)", at: nil)
        }
    }

    static func function(_ f: ScalarFunction, _ args: [Value]) throws(QueryError) -> Value {
        if f == .coalesce { return args.first { !$0.isNull } ?? .null }
        if f == .nullif { return !args[0].isNull && !args[1].isNull && Value.order(args[0], args[1]) == 0 ? .null : args[0] }
        if args.contains(where: \.isNull) { return .null }
        switch (f, args[0]) {
        case (.lower, .text(let s)): return .text(s.lowercased())
        case (.upper, .text(let s)): return .text(s.uppercased())
        case (.trim, .text(let s)): return .text(s.trimmed)
        case (.length, .text(let s)): return .integer(Int64(s.unicodeScalars.count))
        case (.substr, .text(let s)):
            guard case .integer(let start) = args[1] else { return .null }
            let chars = Array(s.unicodeScalars)
            // Positions clamped far outside any text first, so no arithmetic can overflow.
            let bound: Int64 = 1 << 40
            var from = Int(max(-bound, min(bound, start))) - 1
            var to = chars.count
            if args.count > 2, case .integer(let length) = args[2] { to = from + Int(max(-bound, min(bound, length))) }
            from = max(from, 0)
            to = min(to, chars.count)
            var out = ""
            if from < to { out.unicodeScalars.append(contentsOf: chars[from ..< to]) }
            return .text(out)
        case (.abs, .integer(let i)):
            guard i != .min else { throw QueryError("integer overflow in abs(\(i))", at: nil) }
            return .integer(Swift.abs(i))
        case (.abs, .double(let d)): return .double(Swift.abs(d))
        case (.round, .integer(let i)):
            guard args.count == 2, case .integer(let n) = args[1], n < 0 else { return .integer(i) }
            let p = pow10(Int(min(-n, 30)))
            guard let r = Int64(exactly: (Double(i) / p).rounded(.toNearestOrAwayFromZero) * p) else {
                throw QueryError("integer overflow in round(\(i), \(n))", at: nil)
            }
            return .integer(r)
        case (.round, .double(let d)):
            var n = 0
            if args.count == 2, case .integer(let digits) = args[1] { n = Int(max(-400, min(400, digits))) }
            let p = pow10(n)
            return .double(n >= 0 ? (d * p).rounded(.toNearestOrAwayFromZero) / p : (d / pow10(-n)).rounded(.toNearestOrAwayFromZero) * pow10(-n))
        case (.floor, .integer), (.ceil, .integer): return args[0]
        case (.floor, .double(let d)): return .double(d.rounded(.down))
        case (.ceil, .double(let d)): return .double(d.rounded(.up))
        case (.year, .integer(let t)): return .integer(DateParts.year(t))
        case (.month, .integer(let t)): return .integer(DateParts.month(t))
        case (.day, .integer(let t)): return .integer(DateParts.day(t))
        case (.weekday, .integer(let t)): return .integer(DateParts.weekday(t))
        case (.hour, .integer(let t)): return .integer(DateParts.hour(t))
        case (.dateTrunc, .text(let unit)):
            guard let u = DateParts.Unit(rawValue: unit.lowercased()), case .integer(let t) = args[1] else { return .null }
            return .text(DateParts.truncate(t, to: u))
        default:
            throw QueryError("\(f.rawValue) cannot take \(args.map(\.type.rawValue).joined(separator: ", "))", at: nil)
        }
    }

    private static func pow10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0 ..< min(max(n, 0), 308) { p *= 10 }
        return p
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first ... last])
    }
}

/// A LIKE pattern: `%` any run of characters, `_` any one character, everything else itself.
struct LikePattern {
    private let pattern: [Character]

    init(_ pattern: String) { self.pattern = Array(pattern) }

    func matches(_ text: String) -> Bool {
        let t = Array(text)
        var p = 0, s = 0
        var star = -1, mark = 0
        while s < t.count {
            if p < pattern.count, pattern[p] == "_" || (pattern[p] != "%" && pattern[p] == t[s]) {
                p += 1
                s += 1
            } else if p < pattern.count, pattern[p] == "%" {
                star = p
                mark = s
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                s = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "%" { p += 1 }
        return p == pattern.count
    }
}
