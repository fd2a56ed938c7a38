import CineMeshCluster

/// Writes a `TaskSpec` as flat text fields: strings as they are, booleans as `true`/`false`,
/// integers in decimal, `Float` and `Double` as their bit patterns in hex (`ExactFloat`), nil
/// optionals not at all, and a nested struct's fields beside its parent's. Arrays have no flat
/// form: a task type that holds one is a programming error, caught by its round-trip test.
enum TaskFieldEncoder {
    /// The fields of `value`.
    static func fields<T: Encodable>(_ value: T) -> [String: String] {
        let sink = Sink()
        do { try value.encode(to: Writer(sink: sink, key: nil)) } catch { preconditionFailure("\(T.self) has no flat task fields: \(error)") }
        return sink.fields
    }

    /// The text of one primitive value, or nil for a type that is not one.
    static func text(_ value: Any) -> String? {
        switch value {
        case let x as String: x
        case let x as Bool: String(x)
        case let x as Float: ExactFloat.text(x)
        case let x as Double: ExactFloat.text(x)
        case let x as any BinaryInteger: String(describing: x)
        default: nil
        }
    }

    private final class Sink {
        var fields: [String: String] = [:]
    }

    private struct Writer: Encoder {
        let sink: Sink
        /// The field a single value goes to; nil at the top.
        let key: String?
        var codingPath: [any CodingKey] { key.map { [TaskFieldKey($0)] } ?? [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Fields<Key>(sink: sink))
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("task fields are flat: '\(key ?? "")' is a list") }
        func singleValueContainer() -> any SingleValueEncodingContainer { Single(sink: sink, key: key) }
    }

    private struct Fields<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let sink: Sink
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {}
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if let text = TaskFieldEncoder.text(value) { sink.fields[key.stringValue] = text } else { try value.encode(to: Writer(sink: sink, key: key.stringValue)) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Fields<NestedKey>(sink: sink))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("task fields are flat: '\(key.stringValue)' is a list")
        }
        mutating func superEncoder() -> any Encoder { Writer(sink: sink, key: nil) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { Writer(sink: sink, key: key.stringValue) }
    }

    private struct Single: SingleValueEncodingContainer {
        let sink: Sink
        let key: String?
        var codingPath: [any CodingKey] { key.map { [TaskFieldKey($0)] } ?? [] }

        mutating func encodeNil() throws {}
        mutating func encode<T: Encodable>(_ value: T) throws {
            guard let key else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "a task spec is a struct of fields")) }
            if let text = TaskFieldEncoder.text(value) { sink.fields[key] = text } else { try value.encode(to: Writer(sink: sink, key: key)) }
        }
    }
}

/// A field name as a coding key.
struct TaskFieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
