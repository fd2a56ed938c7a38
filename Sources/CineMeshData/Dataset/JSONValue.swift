#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Any JSON value, kept as its kind: for records that carry another module's settings without
/// knowing their type (a model file's hyper-parameters, say). Integers stay integers (a 64-bit
/// seed keeps every bit) and other numbers are Doubles, which hold any Float exactly, so a value
/// decoded and encoded again gives the same JSON text.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !list.isAtEnd { values.append(try list.decode(JSONValue.self)) }
            self = .array(values)
        } else if let fields = try? decoder.container(keyedBy: Key.self) {
            var object: [String: JSONValue] = [:]
            for key in fields.allKeys { object[key.stringValue] = try fields.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() { self = .null }
            else if let b = try? value.decode(Bool.self) { self = .bool(b) }
            else if let i = try? value.decode(Int64.self) { self = .int(i) }
            else if let u = try? value.decode(UInt64.self) { self = .unsigned(u) }
            else if let d = try? value.decode(Double.self) { self = .double(d) }
            else { self = .string(try value.decode(String.self)) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .array(let values):
            var list = encoder.unkeyedContainer()
            for v in values { try list.encode(v) }
        case .object(let object):
            var fields = encoder.container(keyedBy: Key.self)
            for (k, v) in object { try fields.encode(v, forKey: Key(k)) }
        default:
            var value = encoder.singleValueContainer()
            switch self {
            case .null: try value.encodeNil()
            case .bool(let b): try value.encode(b)
            case .int(let i): try value.encode(i)
            case .unsigned(let u): try value.encode(u)
            case .double(let d): try value.encode(d)
            case .string(let s): try value.encode(s)
            case .array, .object: preconditionFailure("handled above")
            }
        }
    }

    /// The value of any `Encodable`, as JSON would write it.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// The value read back as `T`.
    public func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    /// A coding key of any name.
    public struct Key: CodingKey {
        public var stringValue: String
        public var intValue: Int? { nil }
        public init(_ string: String) { stringValue = string }
        public init?(stringValue: String) { self.stringValue = stringValue }
        public init?(intValue: Int) { nil }
    }
}
