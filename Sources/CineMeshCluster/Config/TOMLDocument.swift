/// A reader for the TOML subset CineMesh's configuration uses: `[table]` headers, `key = value`
/// lines, `#` comments, and values that are basic ("...") or literal ('...') strings, integers
/// (underscores allowed), floats, booleans, and one-line arrays of those.
///
/// Anything outside that subset is an error naming the file and line, never silently skipped.
public struct TOMLDocument: Sendable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])
    }

    /// A key's value and the line it was read from, keyed by "table.key".
    public private(set) var entries: [String: (value: Value, line: Int)] = [:]
    /// Keys in file order.
    public private(set) var keys: [String] = []

    public init(parsing text: String, file: String) throws(ConfigError) {
        var table = ""
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = n + 1
            var scanner = Scanner(Array(rawLine.utf8), file: file, line: line)
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            if scanner.peek == UInt8(ascii: "[") {
                scanner.advance()
                let name = try scanner.bareKey(dotted: true)
                guard scanner.take(UInt8(ascii: "]")) else { throw scanner.error("expected ']' after the table name") }
                scanner.skipSpaces()
                guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the table header") }
                table = name
                continue
            }
            let key = try scanner.bareKey(dotted: false)
            scanner.skipSpaces()
            guard scanner.take(UInt8(ascii: "=")) else { throw scanner.error("expected '=' after key '\(key)'") }
            scanner.skipSpaces()
            let value = try scanner.value()
            scanner.skipSpaces()
            guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the value of '\(key)'") }
            let full = table.isEmpty ? key : "\(table).\(key)"
            if let previous = entries[full] {
                throw ConfigError(file: file, line: line, "key '\(full)' is already set on line \(previous.line)")
            }
            entries[full] = (value, line)
            keys.append(full)
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        let file: String
        let line: Int
        var i = 0

        init(_ bytes: [UInt8], file: String, line: Int) {
            var b = bytes
            if b.last == UInt8(ascii: "\r") { b.removeLast() }
            self.bytes = b
            self.file = file
            self.line = line
        }

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
        mutating func advance() { i += 1 }
        mutating func take(_ c: UInt8) -> Bool {
            if peek == c { i += 1; return true }
            return false
        }
        mutating func skipSpaces() {
            while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
        }
        var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

        func error(_ message: String) -> ConfigError {
            ConfigError(file: file, line: line, message)
        }

        mutating func bareKey(dotted: Bool) throws(ConfigError) -> String {
            let start = i
            while let c = peek, c.isKeyCharacter || (dotted && c == UInt8(ascii: ".")) { i += 1 }
            guard i > start else { throw error("expected a key (letters, digits, '_' or '-')") }
            return String(decoding: bytes[start ..< i], as: UTF8.self)
        }

        mutating func value() throws(ConfigError) -> Value {
            guard let c = peek else { throw error("missing value") }
            switch c {
            case UInt8(ascii: "\""): return .string(try basicString())
            case UInt8(ascii: "'"): return .string(try literalString())
            case UInt8(ascii: "["): return try array()
            default: return try scalar()
            }
        }

        mutating func basicString() throws(ConfigError) -> String {
            advance()
            var out: [UInt8] = []
            while let c = peek {
                advance()
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c == UInt8(ascii: "\\") {
                    guard let e = peek else { break }
                    advance()
                    switch e {
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
                    default: throw error("unsupported escape '\\\(Character(Unicode.Scalar(e)))' in a string")
                    }
                } else {
                    out.append(c)
                }
            }
            throw error("unterminated string")
        }

        mutating func literalString() throws(ConfigError) -> String {
            advance()
            let start = i
            while let c = peek, c != UInt8(ascii: "'") { i += 1 }
            guard peek != nil else { throw error("unterminated string") }
            let s = String(decoding: bytes[start ..< i], as: UTF8.self)
            advance()
            return s
        }

        mutating func array() throws(ConfigError) -> Value {
            advance()
            var items: [Value] = []
            while true {
                skipSpaces()
                if take(UInt8(ascii: "]")) { return .array(items) }
                items.append(try value())
                skipSpaces()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "]")) else { throw error("expected ',' or ']' in an array (arrays must fit on one line)") }
                return .array(items)
            }
        }

        mutating func scalar() throws(ConfigError) -> Value {
            let start = i
            while let c = peek, c != UInt8(ascii: " "), c != UInt8(ascii: "\t"), c != UInt8(ascii: ","),
                  c != UInt8(ascii: "]"), c != UInt8(ascii: "#") { i += 1 }
            let text = String(decoding: bytes[start ..< i], as: UTF8.self)
            if text == "true" { return .boolean(true) }
            if text == "false" { return .boolean(false) }
            let digits = text.replacingOccurrences(of: "_", with: "")
            if let n = Int64(digits) { return .integer(n) }
            if text.contains(where: { $0.isNumber }), let x = Double(digits) { return .float(x) }
            throw error("'\(text)' is not a TOML value (strings need quotes)")
        }
    }
}

extension UInt8 {
    fileprivate var isKeyCharacter: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
            || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }
}
