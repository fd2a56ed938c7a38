/// A reader of the plainest JSON only, for bodies on hot paths (the gateway's fold-in route, the
/// cluster's task messages): ASCII strings without escapes, integers, decimal numbers, booleans,
/// null, and the punctuation between them. Every method returns nil (or false) at the first byte
/// it does not expect and never throws, so a caller gives up on the first surprise and hands the
/// body to `JSONDecoder`, which then produces the value or the error exactly as it would have.
/// What it does read, it reads exactly as `JSONDecoder` does (tested against it on generated
/// bodies).
public struct StrictJSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var next: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while let b = next, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { at += 1 }
    }

    /// Consumes `byte` (after any whitespace) if it comes next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard next == byte else { return false }
        at += 1
        return true
    }

    /// Consumes `null` if it comes next.
    public mutating func consumeNull() -> Bool { consumeWord("null") }

    /// True when nothing but whitespace is left.
    public mutating func atEnd() -> Bool {
        skipSpace()
        return at == bytes.count
    }

    /// A string of printable ASCII with no escape.
    public mutating func string() -> String? {
        guard consume(0x22) else { return nil }
        let start = at
        while let b = next, b != 0x22 {
            guard b >= 0x20, b < 0x7F, b != 0x5C else { return nil }
            at += 1
        }
        guard next == 0x22 else { return nil }
        defer { at += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< at]), as: UTF8.self)
    }

    /// An integer written as JSON writes one (no fraction, no exponent), of at most 18 digits.
    public mutating func integer() -> Int64? {
        skipSpace()
        guard let text = numberText(), text.allSatisfy({ $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) }),
              text.count - (text.first == 0x2D ? 1 : 0) <= 18 else { return nil }
        var value: Int64 = 0
        for b in text where b != 0x2D { value = value * 10 + Int64(b - 0x30) }
        return text.first == 0x2D ? -value : value
    }

    /// A number as a Float, read from its text as JSONDecoder reads it (correctly rounded); nil
    /// for one that overflows or underflows, where JSONDecoder reports an error instead.
    public mutating func float() -> Float? { number(Float.self) }

    /// A number as a Double, likewise.
    public mutating func double() -> Double? { number(Double.self) }

    private mutating func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_: T.Type) -> T? {
        skipSpace()
        guard let text = numberText(), text.count <= 32,
              let value = T(String(decoding: text, as: UTF8.self)), value.isFinite else { return nil }
        let nonzero = text.contains { $0 >= 0x31 && $0 <= 0x39 }
        if value == 0 ? nonzero : !value.isNormal { return nil }
        return value
    }

    /// `true` or `false`.
    public mutating func boolean() -> Bool? {
        if consumeWord("true") { return true }
        if consumeWord("false") { return false }
        return nil
    }

    /// Consumes the ASCII `word` (after any whitespace) if it comes next, not followed by a letter.
    private mutating func consumeWord(_ word: StaticString) -> Bool {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard bytes.count - at >= n else { return false }
        for i in 0 ..< n where bytes[at + i] != word.utf8Start[i] { return false }
        if at + n < bytes.count, case let b = bytes[at + n], (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) { return false }
        at += n
        return true
    }

    /// The bytes of a JSON number (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) and the byte
    /// after it not a part of one, or nil.
    private mutating func numberText() -> UnsafeRawBufferPointer.SubSequence? {
        let start = at
        func digits() -> Int {
            let from = at
            while let b = next, b >= 0x30, b <= 0x39 { at += 1 }
            return at - from
        }
        if next == 0x2D { at += 1 }
        if next == 0x30 { at += 1 } else if digits() == 0 { return nil }
        if next == 0x2E {
            at += 1
            guard digits() > 0 else { return nil }
        }
        if next == 0x65 || next == 0x45 {
            at += 1
            if next == 0x2B || next == 0x2D { at += 1 }
            guard digits() > 0 else { return nil }
        }
        if let b = next, b == 0x2E || (b >= 0x30 && b <= 0x39) || b == 0x65 || b == 0x45 { return nil }
        return bytes[start ..< at]
    }
}
