/// A user's or item's id as it appears in the source data. Integer ids compare numerically;
/// text ids (which include integers written with leading zeros, like IMDb's "0114709") compare by
/// their UTF-8 bytes and sort after all integers.
public enum ExternalId: Hashable, Comparable, Sendable, CustomStringConvertible {
    case int(Int64)
    case text(String)

    /// Reads an id the way ingestion does: canonical non-negative integers become `.int`.
    public init(_ s: String) {
        var copy = s
        let parsed = copy.withUTF8 { FieldParsing.canonicalUnsigned($0) }
        self = parsed.map { .int($0) } ?? .text(s)
    }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .text(let s): return s
        }
    }

    public static func < (a: ExternalId, b: ExternalId) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.int, .text): return true
        case (.text, .int): return false
        case (.text(let x), .text(let y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        }
    }
}
