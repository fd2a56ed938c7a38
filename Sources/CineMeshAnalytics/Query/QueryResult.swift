import CineMeshData

/// A query's answer: named, typed columns and the rows in order.
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    public var types: [SQLType]
    public var rows: [[Value]]

    public init(columns: [String], types: [SQLType], rows: [[Value]]) {
        self.columns = columns
        self.types = types
        self.rows = rows
    }
}

/// JSON form: `{"columns": [...], "types": [...], "rows": [[...], ...]}`, numbers as JSON
/// numbers (a non-finite double as null), NULL as null. The types restore integers and doubles.
extension QueryResult: Codable {
    private enum Keys: String, CodingKey { case columns, types, rows }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(columns, forKey: .columns)
        try c.encode(types.map(\.rawValue), forKey: .types)
        try c.encode(rows.map { $0.map(Self.json) }, forKey: .rows)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        columns = try c.decode([String].self, forKey: .columns)
        types = try c.decode([String].self, forKey: .types).map { SQLType(rawValue: $0) ?? .null }
        let raw = try c.decode([[JSONValue]].self, forKey: .rows)
        let types = self.types
        rows = raw.map { row in row.enumerated().map { i, v in Self.value(v, i < types.count ? types[i] : .null) } }
    }

    static func json(_ v: Value) -> JSONValue {
        switch v {
        case .null: return .null
        case .integer(let i): return .int(i)
        case .double(let d): return d.isFinite ? .double(d) : .null
        case .text(let s): return .string(s)
        case .boolean(let b): return .bool(b)
        }
    }

    static func value(_ j: JSONValue, _ type: SQLType) -> Value {
        switch j {
        case .null, .array, .object: return .null
        case .bool(let b): return .boolean(b)
        case .int(let i): return type == .double ? .double(Double(i)) : .integer(i)
        case .unsigned(let u): return type == .double ? .double(Double(u)) : .integer(Int64(clamping: u))
        case .double(let d): return type == .integer && d == d.rounded() ? .integer(Int64(d)) : .double(d)
        case .string(let s): return .text(s)
        }
    }
}
