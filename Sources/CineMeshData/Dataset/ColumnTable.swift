/// A small columnar table with named, typed columns: the catalog (one row per title), user
/// attributes and tags. Thousands to a few hundred thousand rows; the rating matrix itself lives
/// in shard files, never here.
public struct ColumnTable: Sendable, Equatable {
    /// The values of one column.
    public enum Values: Sendable, Equatable {
        case int([Int64?])
        case double([Double?])
        case string([String])
        case stringList([[String]])

        var count: Int {
            switch self {
            case .int(let v): return v.count
            case .double(let v): return v.count
            case .string(let v): return v.count
            case .stringList(let v): return v.count
            }
        }

        var typeCode: UInt8 {
            switch self {
            case .int: return 1
            case .double: return 2
            case .string: return 3
            case .stringList: return 4
            }
        }

        /// The column's type as documented in FORMATS.md.
        public var typeName: String {
            switch self {
            case .int: return "int"
            case .double: return "double"
            case .string: return "string"
            case .stringList: return "string-list"
            }
        }
    }

    /// One named column.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var values: Values
        public init(_ name: String, _ values: Values) {
            self.name = name
            self.values = values
        }
    }

    public private(set) var columns: [Column]
    public let rowCount: Int

    /// Builds a table; every column must have `rowCount` values and names must be distinct.
    public init(columns: [Column]) {
        let n = columns.first?.values.count ?? 0
        precondition(columns.allSatisfy { $0.values.count == n }, "ragged table")
        precondition(Set(columns.map(\.name)).count == columns.count, "duplicate column name")
        self.columns = columns
        self.rowCount = n
    }

    /// The column with this name.
    public func column(_ name: String) -> Values? {
        columns.first { $0.name == name }?.values
    }

    /// Values of a string column (nil when absent or of another type).
    public func strings(_ name: String) -> [String]? {
        if case .string(let v)? = column(name) { return v }
        return nil
    }

    /// Values of a string-list column.
    public func stringLists(_ name: String) -> [[String]]? {
        if case .stringList(let v)? = column(name) { return v }
        return nil
    }

    /// Values of an integer column.
    public func ints(_ name: String) -> [Int64?]? {
        if case .int(let v)? = column(name) { return v }
        return nil
    }

    /// Adds a column (same row count).
    public mutating func append(_ column: Column) {
        precondition(column.values.count == rowCount && self.column(column.name) == nil)
        columns.append(column)
    }
}

extension ColumnTable {
    static let header = BinaryFileHeader(magic: "CMTABLE", version: 1, kind: "table")

    /// The file bytes (see docs/FORMATS.md, "Table files").
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: Self.header)
        w.put(UInt16(0))
        w.put(UInt32(columns.count))
        w.put(UInt64(rowCount))
        for column in columns {
            w.put(string: column.name)
            w.put(column.values.typeCode)
            switch column.values {
            case .int(let v):
                for x in v { w.put(x ?? Int64.min) }
            case .double(let v):
                for x in v { w.put(x ?? Double.nan) }
            case .string(let v):
                for s in v { w.put(string: s) }
            case .stringList(let v):
                for list in v {
                    w.put(UInt32(list.count))
                    for s in list { w.put(string: s) }
                }
            }
        }
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes and verifies a table file's bytes.
    public static func decode(_ bytes: [UInt8], file: String) throws -> ColumnTable {
        var r = try BinaryReader(verifying: bytes, file: file, header: header, minimumSize: 24)
        _ = try r.get(UInt16.self, "reserved")
        let columnCount = Int(try r.get(UInt32.self, "column count"))
        let rows = try r.getCount("row count")
        var columns: [Column] = []
        for _ in 0 ..< columnCount {
            let name = try r.getString("column name")
            let type = try r.get(UInt8.self, "column type")
            let values: Values
            switch type {
            case 1:
                values = .int(try r.getArray(Int64.self, count: rows, "int column \(name)").map { $0 == .min ? nil : $0 })
            case 2:
                values = .double(try r.getArray(UInt64.self, count: rows, "double column \(name)").map {
                    let d = Double(bitPattern: $0)
                    return d.isNaN ? nil : d
                })
            case 3:
                var v: [String] = []
                v.reserveCapacity(rows)
                for _ in 0 ..< rows { v.append(try r.getString("string column \(name)")) }
                values = .string(v)
            case 4:
                var v: [[String]] = []
                v.reserveCapacity(rows)
                for _ in 0 ..< rows {
                    let n = Int(try r.get(UInt32.self, "list length in \(name)"))
                    guard n <= r.remaining else { throw DataError(.damaged, file: file, "impossible list length in \(name)") }
                    var list: [String] = []
                    for _ in 0 ..< n { list.append(try r.getString("list column \(name)")) }
                    v.append(list)
                }
                values = .stringList(v)
            default:
                throw DataError(.damaged, file: file, "unknown column type \(type) for column \(name)")
            }
            columns.append(Column(name, values))
        }
        if r.remaining != 0 { throw DataError(.damaged, file: file, "\(r.remaining) unexpected bytes after the last column") }
        guard Set(columns.map(\.name)).count == columns.count else {
            throw DataError(.damaged, file: file, "duplicate column names")
        }
        return ColumnTable(columns: columns)
    }
}
