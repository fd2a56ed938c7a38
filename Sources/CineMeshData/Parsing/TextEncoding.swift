/// The character encoding of text fields (titles, names, string ids).
public enum TextEncoding: String, Sendable, Codable, CaseIterable {
    case utf8 = "utf-8"
    case latin1 = "latin-1"
    /// UTF-8 where a field is valid UTF-8, otherwise latin-1 (MovieLens mixes them across releases).
    case auto

    /// Decodes a field's bytes to a String. Never fails: latin-1 maps every byte to a code point.
    public func decode(_ p: UnsafeBufferPointer<UInt8>) -> String {
        switch self {
        case .utf8:
            return String(decoding: p, as: UTF8.self)
        case .latin1:
            return Self.latin1(p)
        case .auto:
            if let s = String(validating: p, as: UTF8.self) { return s }
            return Self.latin1(p)
        }
    }

    private static func latin1(_ p: UnsafeBufferPointer<UInt8>) -> String {
        if !p.contains(where: { $0 >= 0x80 }) { return String(decoding: p, as: UTF8.self) }
        var s = String.UnicodeScalarView()
        for b in p { s.append(Unicode.Scalar(b)) }
        return String(s)
    }
}
