import TOMLKit

/// A TOML file as CineMesh reads its configuration and job specs: any valid TOML 1.0 (parsed by
/// TOMLKit, which wraps toml++), flattened to its leaves. A key in a table, however it was written
/// (`[a]` then `b = 1`, `a.b = 1`, `a = { b = 1 }`), is the entry `a.b`; arrays, arrays of tables
/// included, are leaves.
///
/// A syntax error is a `ConfigError` naming the file and the line toml++ reports. The line of each
/// entry, for errors about a key the file sets (unknown, wrong type), comes from `TOMLKeyLines`,
/// since TOMLKit reports positions for syntax errors only.
public struct TOMLDocument: Sendable {
    /// A leaf value.
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        /// A date, time or date-time, as TOML writes it (`1979-05-27T07:32:00Z`).
        case dateTime(String)
        case array([Value])
        /// A table inside an array (an array of tables, or inline tables in an array).
        case table([String: Value])
    }

    /// The file named in errors.
    public let file: String
    /// Each leaf's value and the line that sets it (nil when the scan cannot place it), by dotted key.
    public private(set) var entries: [String: (value: Value, line: Int?)] = [:]
    /// The keys of `entries` in file order (keys on one line by name; keys of unknown line last).
    public private(set) var keys: [String] = []

    public init(parsing text: String, file: String) throws(ConfigError) {
        self.file = file
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, error.description)
        } catch {
            throw ConfigError(origin: file, "cannot parse the TOML: \(error)")
        }
        var leaves: [(path: [String], value: Value)] = []
        Self.flatten(root, path: [], into: &leaves)
        let lines = TOMLKeyLines(text)
        var located: [(key: String, line: Int?)] = []
        for (path, value) in leaves {
            let key = path.joined(separator: ".")
            let line = lines.line(of: path)
            entries[key] = (value, line)
            located.append((key, line))
        }
        keys = located.sorted { ($0.line ?? .max, $0.key) < ($1.line ?? .max, $1.key) }.map(\.key)
    }

    /// `file:line` where `key` is set, or `file` when its line is not known.
    public func origin(of key: String) -> String {
        entries[key]?.line.map { "\(file):\($0)" } ?? file
    }

    private static func flatten(_ table: TOMLTable, path: [String], into leaves: inout [(path: [String], value: Value)]) {
        for key in table.keys {
            guard let node = table[key] else { continue }
            if let inner = node.table {
                flatten(inner, path: path + [key], into: &leaves)
            } else {
                leaves.append((path + [key], value(node)))
            }
        }
    }

    private static func value(_ node: TOMLValueConvertible) -> Value {
        switch node.type {
        case .string: return .string(node.string ?? "")
        case .int: return .integer(Int64(node.int ?? 0))
        case .double: return .float(node.double ?? .nan)
        case .bool: return .boolean(node.bool ?? false)
        case .date, .time, .dateTime: return .dateTime(node.tomlValue.debugDescription)
        case .array: return .array(node.array.map { $0.map(value) } ?? [])
        case .table:
            let table = node.table
            return .table(Dictionary(uniqueKeysWithValues: (table?.keys ?? []).compactMap { key in table?[key].map { (key, value($0)) } }))
        }
    }
}
