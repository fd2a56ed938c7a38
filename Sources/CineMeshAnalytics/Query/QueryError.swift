/// A query that cannot run: a syntax error, an unknown name, a type mismatch, a value out of
/// range. It points at the place in the query text (`query:LINE:COLUMN: message`), so the CLI,
/// the gateway and the job registry all show the same one-line error.
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line and column of the offending token; 0 when the error is about the whole query.
    public let line: Int
    public let column: Int
    public let message: String

    public init(_ message: String, at position: SourcePosition?) {
        self.message = message
        line = position?.line ?? 0
        column = position?.column ?? 0
    }

    public var description: String {
        line > 0 ? "query:\(line):\(column): \(message)" : "query: \(message)"
    }
}

/// Where a token starts in the query text.
public struct SourcePosition: Sendable, Equatable, Hashable {
    /// Offset in UTF-8 bytes from the start of the query.
    public var offset: Int
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters.
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }
}
