import CineMeshData

/// The tables of one dataset as queries see them: `ratings` (sharded, read a block at a time),
/// and whichever of `titles` (alias `movies`), `users` and `tags` the dataset has, held whole.
///
/// Typing: an id column (`user`, `item`) whose values are all integers is INTEGER, text
/// otherwise; catalog text columns are dictionary-encoded with the empty string as NULL; list
/// columns keep their elements. Built once per dataset on each worker and reused by every task.
public final class QueryTables: @unchecked Sendable {
    public let schemas: [TableSchema]
    let small: [String: SmallTable]
    /// The `user` and `item` values of the rating shards' dense indices.
    let userIds: Vector
    let itemIds: Vector
    let hasTimestamps: Bool
    private let lock = Lock()
    /// Join indexes over the held tables, by `probe=build` column names (see `QueryExecutor.hashJoin`).
    private var joinIndexes: [String: JoinIndex] = [:]

    func cachedJoinIndex(_ key: String) -> JoinIndex? { lock.withLock { joinIndexes[key] } }
    func cacheJoinIndex(_ key: String, _ index: JoinIndex) { lock.withLock { joinIndexes[key] = index } }

    /// Tables from the parts of a dataset: what a worker holds as files.
    public init(users: IdMap, items: IdMap, catalog: ColumnTable?, userAttributes: ColumnTable?, tags: ColumnTable?,
                hasTimestamps: Bool) {
        userIds = Self.ids(users.ids)
        itemIds = Self.ids(items.ids)
        self.hasTimestamps = hasTimestamps
        let ratings = TableSchema(name: "ratings", columns: [
            ColumnSchema(name: "user", type: userIds.type),
            ColumnSchema(name: "item", type: itemIds.type),
            ColumnSchema(name: "rating", type: .double),
            ColumnSchema(name: "timestamp", type: hasTimestamps ? .integer : .null),
        ], isSharded: true)
        var small: [String: SmallTable] = [:]
        for (name, table) in [("titles", catalog), ("users", userAttributes), ("tags", tags)] {
            if let table { small[name] = SmallTable(name: name, table: table) }
        }
        self.small = small
        schemas = [ratings] + ["titles", "users", "tags"].compactMap { small[$0]?.schema }
    }

    /// Tables of an open dataset.
    public convenience init(dataset: Dataset) {
        self.init(users: dataset.users, items: dataset.items, catalog: dataset.catalog, userAttributes: dataset.userAttributes,
                  tags: dataset.tags, hasTimestamps: dataset.manifest.timestamps != nil)
    }

    /// The table a query names (`movies` is `titles`).
    public func schema(named name: String) -> TableSchema? {
        let n = name.lowercased() == "movies" ? "titles" : name.lowercased()
        return schemas.first { $0.name == n }
    }

    /// The columns of a rating block, in the order of the `ratings` schema; those not in `reading`
    /// are left empty (all NULL) rather than built.
    func columns(of query: QueryBlock, reading: Set<Int>) -> [Vector] {
        let block = query.block
        let n = block.count
        return [reading.contains(0) ? .coded(block.users, dictionary: userIds) : .null(count: n),
                reading.contains(1) ? .coded(block.items, dictionary: itemIds) : .null(count: n),
                reading.contains(2) ? query.ratingColumn : .null(count: n),
                reading.contains(3) && hasTimestamps && block.timestamps.count == n ? .integer(block.timestamps, validity: nil) : .null(count: n)]
    }

    /// Ratings take few values (the scale's steps): dictionary-encoded when a block has at most
    /// 64 distinct ones, so grouping by rating needs no hashing and a filter on it is computed per
    /// value; continuous ratings stay plain doubles.
    static func ratingColumn(_ ratings: [Float]) -> Vector {
        var distinct: [Float] = []
        var codes = [UInt32](repeating: 0, count: ratings.count)
        let encoded = ratings.withUnsafeBufferPointer { r in
            codes.withUnsafeMutableBufferPointer { c in
                var last: Float = .nan, lastCode: UInt32 = 0
                for k in 0 ..< r.count {
                    let x = r[k]
                    if x == last {
                        c[k] = lastCode
                        continue
                    }
                    var found = -1
                    for (i, d) in distinct.enumerated() where d == x {
                        found = i
                        break
                    }
                    if found < 0 {
                        guard distinct.count < 64, !x.isNaN else { return false }
                        found = distinct.count
                        distinct.append(x)
                    }
                    last = x
                    lastCode = UInt32(found)
                    c[k] = lastCode
                }
                return true
            }
        }
        guard encoded else { return .double(ratings.map(Double.init), validity: nil) }
        return .coded(codes, dictionary: .double(distinct.map(Double.init), validity: nil))
    }

    /// Ids as INTEGER when all are integers, else TEXT; no ids at all (a catalog-only dataset's
    /// ratings) have no type, so they compare with either.
    static func ids(_ ids: [ExternalId]) -> Vector {
        if ids.isEmpty { return .null(count: 0) }
        var ints: [Int64] = []
        ints.reserveCapacity(ids.count)
        for id in ids {
            guard case .int(let v) = id else { return .text(ids.map(\.description), validity: nil) }
            ints.append(v)
        }
        return .integer(ints, validity: nil)
    }
}

/// A table held whole: the catalog, user attributes or tags.
struct SmallTable: Sendable {
    let schema: TableSchema
    /// Scalar columns by schema index (`.null` for list columns, which live in `lists`).
    let columns: [Vector]
    let lists: [Int: ListColumn]
    let rowCount: Int

    init(name: String, table: ColumnTable) {
        var schemas: [ColumnSchema] = []
        var columns: [Vector] = []
        var lists: [Int: ListColumn] = [:]
        for column in table.columns {
            switch column.values {
            case .int(let v):
                schemas.append(ColumnSchema(name: column.name, type: .integer))
                columns.append(.integer(v.map { $0 ?? 0 }, validity: v.contains(nil) ? v.map { $0 != nil } : nil))
            case .double(let v):
                schemas.append(ColumnSchema(name: column.name, type: .double))
                columns.append(.double(v.map { $0 ?? 0 }, validity: v.contains(nil) ? v.map { $0 != nil } : nil))
            case .string(let v):
                let isId = ["user", "item"].contains(column.name.lowercased())
                let ids = isId ? QueryTables.ids(v.map(ExternalId.init)) : nil
                if let ids, case .integer = ids {
                    schemas.append(ColumnSchema(name: column.name, type: .integer))
                    columns.append(ids)
                } else {
                    schemas.append(ColumnSchema(name: column.name, type: .text))
                    columns.append(Self.coded(v))
                }
            case .stringList(let v):
                lists[columns.count] = ListColumn(v)
                schemas.append(ColumnSchema(name: column.name, type: .text, isList: true))
                columns.append(.null(count: table.rowCount))
            }
        }
        schema = TableSchema(name: name, columns: schemas, isSharded: false)
        self.columns = columns
        self.lists = lists
        rowCount = table.rowCount
    }

    /// Dictionary-encodes text, the empty string as NULL.
    static func coded(_ values: [String]) -> Vector {
        var lookup: [String: UInt32] = [:]
        var dictionary: [String] = []
        var codes = [UInt32](repeating: Vector.nullCode, count: values.count)
        for (row, s) in values.enumerated() where !s.isEmpty {
            if let c = lookup[s] {
                codes[row] = c
            } else {
                let c = UInt32(dictionary.count)
                lookup[s] = c
                dictionary.append(s)
                codes[row] = c
            }
        }
        return .coded(codes, dictionary: .text(dictionary, validity: nil))
    }
}

extension Vector {
    /// The type of the values.
    var type: SQLType {
        switch self {
        case .integer: return .integer
        case .double: return .double
        case .text: return .text
        case .boolean: return .boolean
        case .coded(_, let d): return d.type
        case .null: return .null
        }
    }
}
