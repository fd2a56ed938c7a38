import CineMeshData

/// Calendar parts of a timestamp (seconds since 1970-01-01 UTC) in the proleptic Gregorian
/// calendar, by the integer arithmetic ingestion uses (`FieldParsing.civilFromDays`), no Foundation
/// calendars.
enum DateParts {
    /// The units `date_trunc` takes.
    enum Unit: String, CaseIterable {
        case year, quarter, month, week, day, hour
    }

    /// (year, month 1...12, day 1...31) of the day `days` after 1970-01-01.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) { FieldParsing.civilFromDays(days) }

    /// Floor division for a positive `b`, with no overflow anywhere in Int64.
    @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }

    /// Seconds into the day, 0 ..< 86400.
    @inline(__always) static func secondOfDay(_ t: Int64) -> Int64 {
        let r = t % 86400
        return r < 0 ? r + 86400 : r
    }

    static func year(_ t: Int64) -> Int64 { civil(days: floorDiv(t, 86400)).year }
    static func month(_ t: Int64) -> Int64 { civil(days: floorDiv(t, 86400)).month }
    static func day(_ t: Int64) -> Int64 { civil(days: floorDiv(t, 86400)).day }
    /// 0 = Sunday ... 6 = Saturday (DuckDB's `dayofweek`).
    static func weekday(_ t: Int64) -> Int64 { (floorDiv(t, 86400) % 7 + 11) % 7 }
    static func hour(_ t: Int64) -> Int64 { secondOfDay(t) / 3600 }

    /// The start of `unit` holding `t`, as text: `YYYY-MM-DD` (`YYYY-MM-DD HH:00:00` for hours).
    /// Weeks start on Monday (ISO), quarters in January, April, July, October.
    static func truncate(_ t: Int64, to unit: Unit) -> String {
        let days = floorDiv(t, 86400)
        var (y, m, d) = civil(days: days)
        switch unit {
        case .year: (m, d) = (1, 1)
        case .quarter: (m, d) = ((m - 1) / 3 * 3 + 1, 1)
        case .month: d = 1
        case .week: (y, m, d) = civil(days: days - (weekday(t) + 6) % 7)
        case .day, .hour: break
        }
        let date = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
        return unit == .hour ? date + " \(pad(hour(t), 2)):00:00" : date
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
