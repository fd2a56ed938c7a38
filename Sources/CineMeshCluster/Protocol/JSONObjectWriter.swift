/// Writes one JSON object field by field, without `JSONEncoder`'s cost: the bodies of TASK,
/// RESULT and FAILED go out for every task, and encoding them was a fifth of the coordinator's
/// time. Strings are escaped as RFC 8259 requires (quote, backslash and control characters), so
/// any value gives valid JSON; keys are written in the order given.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8]
    private var empty = true

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// An object written on after `text`, in the same buffer.
    private init(continuing text: consuming [UInt8]) {
        bytes = text
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object's text, closed.
    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    mutating func field(_ key: String, _ value: String) {
        name(key)
        string(value)
    }

    mutating func field(_ key: String, _ value: Int64) {
        name(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ key: String, _ value: Int) { field(key, Int64(value)) }

    mutating func field(_ key: String, _ value: UInt64) {
        name(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A finite number in its shortest form that reads back as the same Double; `null` for
    /// infinity or NaN, which JSON cannot carry.
    mutating func field(_ key: String, _ value: Double) {
        name(key)
        bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
    }

    mutating func field(_ key: String, _ value: Bool) {
        name(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An object of strings.
    mutating func field(_ key: String, _ value: [String: String]) {
        name(key)
        nested { for (k, v) in value { $0.field(k, v) } }
    }

    /// An array of objects, each written by `write`.
    mutating func field<Element>(_ key: String, objects: [Element], _ write: (inout JSONObjectWriter, Element) -> Void) {
        name(key)
        bytes.append(UInt8(ascii: "["))
        for (n, element) in objects.enumerated() {
            if n > 0 { bytes.append(UInt8(ascii: ",")) }
            nested { write(&$0, element) }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object as the next value, written by `body` into this writer's buffer.
    private mutating func nested(_ body: (inout JSONObjectWriter) -> Void) {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        var inner = JSONObjectWriter(continuing: consume taken)
        body(&inner)
        bytes = inner.finish()
    }

    private mutating func name(_ key: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(b)
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0 ..< 0x20:
                let hex: (UInt8) -> UInt8 = { $0 < 10 ? 0x30 + $0 : 0x57 + $0 }
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex(b >> 4), hex(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
