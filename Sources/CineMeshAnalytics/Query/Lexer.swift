/// Splits query text into tokens, each with its line and column. Comments (`-- ...` to the end of
/// the line) and whitespace are skipped; a character that starts no token is an error at its place.
enum Lexer {
    static func tokens(_ text: String) throws(QueryError) -> [Token] {
        let chars = Array(text.unicodeScalars)
        var out: [Token] = []
        var i = 0
        var line = 1
        var column = 1
        var offset = 0

        func position() -> SourcePosition { SourcePosition(offset: offset, line: line, column: column) }
        func advance(_ n: Int = 1) {
            for _ in 0 ..< n where i < chars.count {
                offset += String(chars[i]).utf8.count
                if chars[i] == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += 1
            }
        }
        func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < chars.count ? chars[i + k] : nil }
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0" ... "9").contains(c) }

        while let c = peek() {
            if c.properties.isWhitespace {
                advance()
                continue
            }
            if c == "-", peek(1) == "-" {
                while let d = peek(), d != "\n" { advance() }
                continue
            }
            let start = position()
            if isWordStart(c) {
                var word = ""
                while let d = peek(), isWordPart(d) {
                    word.unicodeScalars.append(d)
                    advance()
                }
                out.append(Token(kind: .word(word), position: start))
            } else if ("0" ... "9").contains(c) || (c == "." && peek(1).map { ("0" ... "9").contains($0) } == true) {
                var text = ""
                var isInteger = true
                while let d = peek(), ("0" ... "9").contains(d) {
                    text.unicodeScalars.append(d)
                    advance()
                }
                if peek() == ".", peek(1).map({ ("0" ... "9").contains($0) }) ?? true {
                    isInteger = false
                    text += "."
                    advance()
                    while let d = peek(), ("0" ... "9").contains(d) {
                        text.unicodeScalars.append(d)
                        advance()
                    }
                }
                if let e = peek(), e == "e" || e == "E" {
                    let sign = peek(1) == "+" || peek(1) == "-"
                    if let d = peek(sign ? 2 : 1), ("0" ... "9").contains(d) {
                        isInteger = false
                        text += "e"
                        advance()
                        if sign {
                            text.unicodeScalars.append(peek()!)
                            advance()
                        }
                        while let d = peek(), ("0" ... "9").contains(d) {
                            text.unicodeScalars.append(d)
                            advance()
                        }
                    }
                }
                if let d = peek(), isWordStart(d) {
                    throw QueryError("a number must not run into a name: '\(text)\(d)'", at: start)
                }
                if isInteger, let v = Int64(text) {
                    out.append(Token(kind: .integer(v), position: start))
                } else if let v = Double(text), v.isFinite {
                    out.append(Token(kind: .number(v), position: start))
                } else {
                    throw QueryError("number '\(text)' is out of range", at: start)
                }
            } else if c == "'" || c == "\"" {
                let quote = c
                advance()
                var text = ""
                while true {
                    guard let d = peek() else {
                        throw QueryError(quote == "'" ? "unterminated string" : "unterminated quoted name", at: start)
                    }
                    advance()
                    if d == quote {
                        if peek() == quote {
                            text.unicodeScalars.append(quote)
                            advance()
                            continue
                        }
                        break
                    }
                    text.unicodeScalars.append(d)
                }
                if quote == "'" {
                    out.append(Token(kind: .string(text), position: start))
                } else {
                    guard !text.isEmpty else { throw QueryError("empty quoted name", at: start) }
                    out.append(Token(kind: .quotedName(text), position: start))
                }
            } else {
                let two = peek(1).map { String(c) + String($0) } ?? ""
                if ["<>", "!=", "<=", ">=", "||"].contains(two) {
                    advance(2)
                    out.append(Token(kind: .symbol(two == "!=" ? "<>" : two), position: start))
                } else if "(),.;*+-/%=<>".unicodeScalars.contains(c) {
                    advance()
                    out.append(Token(kind: .symbol(String(c)), position: start))
                } else {
                    throw QueryError("unexpected character '\(c)'", at: start)
                }
            }
        }
        out.append(Token(kind: .end, position: position()))
        return out
    }
}
