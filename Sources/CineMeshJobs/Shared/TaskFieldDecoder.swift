import CineMeshCluster

/// Reads a `TaskSpec` back from the flat text fields `TaskFieldEncoder` writes, and names the
/// first field that is missing, malformed (`field 'shrinkage' is not an exact f64: 'x'`) or
/// that the type does not have.
enum TaskFieldDecoder {
    /// The value of type `T` that `fields` hold.
    static func decode<T: Decodable>(_ type: T.Type, from fields: [String: String]) throws(TaskFieldError) -> T {
        let source = Source(fields)
        let value: T
        do {
            value = try T(from: Reader(source: source, key: nil))
        } catch let error as TaskFieldError {
            throw error
        } catch DecodingError.dataCorrupted(let context) {
            let field = context.codingPath.last?.stringValue ?? ""
            throw TaskFieldError.malformed(field, fields[field] ?? "", expected: "a known value")
        } catch {
            throw TaskFieldError(field: "", problem: "\(error)")
        }
        if let extra = fields.keys.filter({ !source.read.contains($0) }).min() { throw TaskFieldError.unknown(extra) }
        return value
    }

    /// The fields and the names read so far.
    private final class Source {
        let fields: [String: String]
        var read: Set<String> = []
        init(_ fields: [String: String]) { self.fields = fields }

        /// Field `key` parsed by `parse`, which says `expected` when it cannot.
        func value<T>(_ key: String, _ expected: String, _ parse: (String) -> T?) throws(TaskFieldError) -> T {
            guard let text = fields[key] else { throw TaskFieldError.missing(key) }
            read.insert(key)
            guard let value = parse(text) else { throw TaskFieldError.malformed(key, text, expected: expected) }
            return value
        }

        /// Field `key` as a primitive of type `T`, or nil when `T` is not a primitive.
        func primitive<T>(_ type: T.Type, _ key: String) throws(TaskFieldError) -> T? {
            switch type {
            case is String.Type: try value(key, "text") { $0 } as? T
            case is Bool.Type: try value(key, "true or false") { Bool($0) } as? T
            case is Float.Type: try value(key, "an exact f32") { ExactFloat.float($0) } as? T
            case is Double.Type: try value(key, "an exact f64") { ExactFloat.double($0) } as? T
            case let integer as any FixedWidthInteger.Type: try value(key, "an integer of type \(integer)") { integer.init($0, radix: 10) } as? T
            default: nil
            }
        }
    }

    private struct Reader: Decoder {
        let source: Source
        /// The field a single value comes from; nil at the top.
        let key: String?
        var codingPath: [any CodingKey] { key.map { [TaskFieldKey($0)] } ?? [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(Fields<Key>(source: source))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw TaskFieldError(field: key ?? "", problem: "task fields are flat: '\(key ?? "")' cannot be a list")
        }
        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            guard let key else { throw TaskFieldError(field: "", problem: "a task spec is a struct of fields") }
            return Single(source: source, key: key)
        }
    }

    private struct Fields<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let source: Source
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { source.fields.keys.compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { source.fields[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { source.fields[key.stringValue] == nil }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            if let value = try source.primitive(type, key.stringValue) { return value }
            return try T(from: Reader(source: source, key: key.stringValue))
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(Fields<NestedKey>(source: source))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw TaskFieldError(field: key.stringValue, problem: "task fields are flat: '\(key.stringValue)' cannot be a list")
        }
        func superDecoder() throws -> any Decoder { Reader(source: source, key: nil) }
        func superDecoder(forKey key: Key) throws -> any Decoder { Reader(source: source, key: key.stringValue) }
    }

    private struct Single: SingleValueDecodingContainer {
        let source: Source
        let key: String
        var codingPath: [any CodingKey] { [TaskFieldKey(key)] }

        func decodeNil() -> Bool { source.fields[key] == nil }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let value = try source.primitive(type, key) { return value }
            return try T(from: Reader(source: source, key: key))
        }
    }
}
