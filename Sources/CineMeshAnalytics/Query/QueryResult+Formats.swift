import CineMeshData
import Foundation

/// How `cinemesh query` prints a result.
public enum ResultFormat: String, Sendable, CaseIterable {
    /// Aligned columns with a header rule: numbers right-aligned, text left; NULL shown as `NULL`.
    case table
    /// RFC 4180: a header line, fields quoted when they hold a comma, quote or line break.
    case csv
    /// Tab-separated, tabs and line breaks in values written as spaces.
    case tsv
    /// The `QueryResult` JSON object.
    case json
}

extension QueryResult {
    /// The result in `format` (ends with a newline).
    public func rendered(_ format: ResultFormat) throws -> String {
        switch format {
        case .json:
            return String(decoding: try JSON.encode(self), as: UTF8.self) + "\n"
        case .csv:
            func field(_ s: String) -> String {
                s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + s.replacingOccurrences("\"", "\"\"") + "\"" : s
            }
            return ([columns.map(field).joined(separator: ",")] + rows.map { $0.map { field($0.description) }.joined(separator: ",") })
                .joined(separator: "\n") + "\n"
        case .tsv:
            func field(_ s: String) -> String { String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }) }
            return ([columns.map(field).joined(separator: "\t")] + rows.map { $0.map { field($0.description) }.joined(separator: "\t") })
                .joined(separator: "\n") + "\n"
        case .table:
            return table()
        }
    }

    private func table() -> String {
        let cells = rows.map { $0.map { $0.isNull ? "NULL" : Self.shown($0) } }
        var widths = columns.map(\.count)
        for row in cells {
            for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) }
        }
        let numeric = types.map { $0 == .integer || $0 == .double }
        func line(_ values: [String]) -> String {
            values.enumerated().map { i, v in
                let pad = String(repeating: " ", count: widths[i] - v.count)
                return numeric[i] ? pad + v : v + pad
            }.joined(separator: "  ").trailingSpacesRemoved
        }
        var out = [line(columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += cells.map(line)
        out.append("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        return out.joined(separator: "\n") + "\n"
    }

    /// Doubles rounded to 6 significant decimals for reading; other values as they are.
    static func shown(_ v: Value) -> String {
        guard case .double(let d) = v, d.isFinite, d != d.rounded() || abs(d) >= 1e15 else { return v.description }
        let digits = max(0, 6 - Int((abs(d) < 1 ? 0 : log10(abs(d))).rounded(.down)) - 1)
        var s = String(d.rounded(toPlaces: digits))
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}

extension Double {
    func rounded(toPlaces n: Int) -> Double {
        var p = 1.0
        for _ in 0 ..< n { p *= 10 }
        return (self * p).rounded() / p
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
