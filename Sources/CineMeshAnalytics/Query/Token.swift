/// One token of the query language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: a keyword or a name (compared case-insensitively as a keyword).
        case word(String)
        /// A `"double quoted"` name: never a keyword, case kept.
        case quotedName(String)
        case string(String)
        case integer(Int64)
        case number(Double)
        /// Punctuation and operators: `( ) , . ; * + - / % = <> != < <= > >= ||`.
        case symbol(String)
        case end
    }

    var kind: Kind
    var position: SourcePosition

    /// The token as an error message shows it.
    var shown: String {
        switch kind {
        case .word(let w): return "'\(w)'"
        case .quotedName(let n): return "'\"\(n)\"'"
        case .string(let s): return "'\\'\(s)\\''"
        case .integer(let i): return "'\(i)'"
        case .number(let d): return "'\(d)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of query"
        }
    }

    /// True when this is the bare word `keyword` (any case).
    func isKeyword(_ keyword: String) -> Bool {
        if case .word(let w) = kind { return w.uppercased() == keyword }
        return false
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
}
