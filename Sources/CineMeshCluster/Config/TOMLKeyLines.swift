/// The line each key of a TOML text is set on, found by a cheap scan of the text: TOMLKit reports a
/// position for syntax errors only, and an error about a key (unknown, of the wrong type) should
/// still name its line. Run on text toml++ has already accepted.
///
/// The scan follows `[table]` and `[[array of tables]]` headers and reads the key (bare, quoted or
/// dotted) before the `=` of each line; it steps over comments, strings (multi-line ones included)
/// and arrays spread over several lines. A key it cannot place by itself (one inside an inline
/// table, or inside an array of tables) gets the line of the nearest enclosing key or header it
/// found; a quoted key with escapes may not be found at all. It only ever names a line in an error
/// message: values come from TOMLKit.
struct TOMLKeyLines {
    /// The first line that names each key path (a key, a dotted key's prefix, or a header).
    private var lines: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        var value = ValueScan()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(raw.utf8)
            if value.isOpen {
                value.scan(line, from: 0)
                continue
            }
            var i = 0
            skipSpaces(line, &i)
            if i < line.count, line[i] == UInt8(ascii: "[") {
                if let header = Self.header(line, from: i) {
                    table = header
                    note(header, n + 1)
                }
            } else if let key = Self.key(line, &i), i < line.count, line[i] == UInt8(ascii: "=") {
                for end in 1 ... key.count { note(table + key.prefix(end), n + 1) }
                value.scan(line, from: i + 1)
            }
        }
    }

    /// The line that sets `path`, or else that of its longest prefix the scan found.
    func line(of path: [String]) -> Int? {
        for end in stride(from: path.count, through: 1, by: -1) {
            if let line = lines[Array(path.prefix(end))] { return line }
        }
        return nil
    }

    private mutating func note(_ path: [String], _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// The key of a `[table]` or `[[array]]` header starting at `i`; nil if the line is not one.
    private static func header(_ line: [UInt8], from start: Int) -> [String]? {
        var i = start + 1
        let double = i < line.count && line[i] == UInt8(ascii: "[")
        if double { i += 1 }
        guard let key = key(line, &i) else { return nil }
        for _ in 0 ..< (double ? 2 : 1) {
            guard i < line.count, line[i] == UInt8(ascii: "]") else { return nil }
            i += 1
        }
        skipSpaces(line, &i)
        return i == line.count || line[i] == UInt8(ascii: "#") || line[i] == UInt8(ascii: "\r") ? key : nil
    }

    /// A (dotted) key at `i`, leaving `i` after it and the spaces that follow; nil if none is there.
    private static func key(_ line: [UInt8], _ i: inout Int) -> [String]? {
        var parts: [String] = []
        while true {
            skipSpaces(line, &i)
            guard i < line.count else { return nil }
            let start = i
            if line[i] == UInt8(ascii: "\"") || line[i] == UInt8(ascii: "'") {
                guard let end = skipString(line, from: i) else { return nil }
                i = end
                parts.append(String(decoding: line[start + 1 ..< i - 1], as: UTF8.self))
            } else {
                while i < line.count, line[i].isBareKeyCharacter { i += 1 }
                guard i > start else { return nil }
                parts.append(String(decoding: line[start ..< i], as: UTF8.self))
            }
            skipSpaces(line, &i)
            guard i < line.count, line[i] == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    /// What a value leaves open at the end of a line: a multi-line string, or brackets (arrays
    /// spread over lines). The lines it spans hold no keys of the document's own.
    private struct ValueScan {
        var openString: [UInt8]?
        var depth = 0

        var isOpen: Bool { openString != nil || depth > 0 }

        mutating func scan(_ line: [UInt8], from start: Int) {
            var i = start
            if let delimiter = openString {
                guard let end = find(delimiter, in: line, from: i) else { return }
                openString = nil
                i = end + 3
            }
            while i < line.count {
                let c = line[i]
                switch c {
                case UInt8(ascii: "#"):
                    return
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    let triple = [c, c, c]
                    guard line[i...].starts(with: triple) else {
                        i = skipString(line, from: i) ?? line.count
                        continue
                    }
                    guard let end = find(triple, in: line, from: i + 3) else {
                        openString = triple
                        return
                    }
                    i = end + 3
                    continue
                default:
                    break
                }
                i += 1
            }
        }
    }
}

/// The index just after the one-line string whose opening quote is at `start` (`"` with
/// backslash escapes, or `'`); nil if it does not close on the line.
private func skipString(_ line: [UInt8], from start: Int) -> Int? {
    let quote = line[start]
    var i = start + 1
    while i < line.count, line[i] != quote { i += quote == UInt8(ascii: "\"") && line[i] == UInt8(ascii: "\\") ? 2 : 1 }
    return i < line.count ? i + 1 : nil
}

/// Where the closing `"""` or `'''` of a multi-line string is, skipping escapes in a basic one.
private func find(_ delimiter: [UInt8], in line: [UInt8], from start: Int) -> Int? {
    var i = start
    while i + delimiter.count <= line.count {
        if delimiter[0] == UInt8(ascii: "\""), line[i] == UInt8(ascii: "\\") {
            i += 2
        } else if line[i...].starts(with: delimiter) {
            return i
        } else {
            i += 1
        }
    }
    return nil
}

private func skipSpaces(_ line: [UInt8], _ i: inout Int) {
    while i < line.count, line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t") { i += 1 }
}

extension UInt8 {
    /// A character of a TOML bare key: ASCII letters, digits, `_` and `-`.
    fileprivate var isBareKeyCharacter: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
            || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }
}
