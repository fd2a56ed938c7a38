/// A table a query can name, as the binder sees it: its columns and their types.
public struct TableSchema: Sendable {
    /// The canonical name: `ratings`, `titles`, `users` or `tags`.
    public let name: String
    public let columns: [ColumnSchema]
    /// True for `ratings`: rows live in shard files, read block by block on the workers. Every
    /// other table is small and held whole (broadcast to the workers once, cached by content).
    public let isSharded: Bool

    public init(name: String, columns: [ColumnSchema], isSharded: Bool) {
        self.name = name
        self.columns = columns
        self.isSharded = isSharded
    }

    /// Index of the column named `name` (case-insensitive).
    func column(named name: String) -> Int? {
        let n = name.lowercased()
        return columns.firstIndex { $0.name.lowercased() == n }
    }

    /// Index of the list column whose singular name is `name` (`genre` for `genres`).
    func list(singular name: String) -> Int? {
        let n = name.lowercased()
        return columns.firstIndex { $0.isList && $0.singularName.lowercased() == n }
    }
}

/// One column of a table.
public struct ColumnSchema: Sendable {
    public let name: String
    /// The type of the values; for a list column, the type of its elements (text).
    public let type: SQLType
    /// A list of text values per row (`genres`, `countries`, `directors`, `cast`): unnested by its
    /// singular name or `unnest(...)`, shown as its elements joined by `|` by its own name.
    public let isList: Bool

    public init(name: String, type: SQLType, isList: Bool = false) {
        self.name = name
        self.type = type
        self.isList = isList
    }

    /// The name that unnests a list column: `genre`, `country`, `director`, `cast_member`, or
    /// the name with its plural ending dropped.
    public var singularName: String {
        switch name.lowercased() {
        case "cast": return "cast_member"
        case let n where n.hasSuffix("ies"): return String(name.dropLast(3)) + "y"
        case let n where n.hasSuffix("s"): return String(name.dropLast())
        default: return name + "_element"
        }
    }
}
