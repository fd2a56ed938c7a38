/// The types of the query language. Integers are 64-bit, numbers IEEE doubles, text UTF-8.
public enum SQLType: String, Sendable, Equatable, CaseIterable {
    case integer = "INTEGER", double = "DOUBLE", text = "TEXT", boolean = "BOOLEAN"
    /// The type of a bare NULL: fits anywhere.
    case null = "NULL"

    var isNumeric: Bool { self == .integer || self == .double || self == .null }

    /// The type a CAST names: INTEGER/INT/BIGINT, DOUBLE/FLOAT/REAL/DECIMAL/NUMERIC,
    /// TEXT/VARCHAR/STRING, BOOLEAN/BOOL.
    init?(castName: String) {
        switch castName.uppercased() {
        case "INTEGER", "INT", "BIGINT", "INT64", "SMALLINT", "HUGEINT": self = .integer
        case "DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "FLOAT8": self = .double
        case "TEXT", "VARCHAR", "STRING", "CHAR": self = .text
        case "BOOLEAN", "BOOL": self = .boolean
        default: return nil
        }
    }
}

/// One value of a query: a group key, a result cell, a literal.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case boolean(Bool)

    public var type: SQLType {
        switch self {
        case .null: return .null
        case .integer: return .integer
        case .double: return .double
        case .text: return .text
        case .boolean: return .boolean
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a Double when it is a number.
    public var number: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// How the table and CSV outputs print it: integers plainly, doubles in their shortest
    /// round-trip form, NULL as empty.
    public var description: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .double(let d): return "\(d)"
        case .text(let s): return s
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.integer(let x), .integer(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.text(let x), .text(let y)): return x == y
        case (.boolean(let x), .boolean(let y)): return x == y
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0 as UInt8)
        case .integer(let i): h.combine(i)
        case .double(let d): h.combine(d == 0 ? 0 : d.bitPattern)
        case .text(let s): h.combine(s)
        case .boolean(let b): h.combine(b)
        }
    }

    /// Total order used by ORDER BY, MIN and MAX: numbers by value (integers and doubles compared
    /// as numbers), text by UTF-8 bytes, false before true. NULL placement is the caller's.
    public static func order(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default:
            if let x = a.number, let y = b.number { return x < y ? -1 : (x > y ? 1 : 0) }
            return a.type.rawValue < b.type.rawValue ? -1 : 1
        }
    }
}
