/// Allocation-free parsers over field bytes. Each returns nil on anything it does not accept, and
/// the caller turns that into a bad-row error naming the field.
public enum FieldParsing {
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The field without leading and trailing spaces or tabs.
    @inline(__always)
    public static func trimmed(_ p: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0, hi = p.count
        while lo < hi && isSpace(p[lo]) { lo += 1 }
        while hi > lo && isSpace(p[hi - 1]) { hi -= 1 }
        return UnsafeBufferPointer(rebasing: p[lo ..< hi])
    }

    /// A canonical non-negative integer id: ASCII digits only, no leading zero (except "0"), at most
    /// 18 digits. Anything else (e.g. "007") is an id to keep as text.
    @inline(__always)
    public static func canonicalUnsigned(_ p: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = p.count
        if n == 0 || n > 18 || (n > 1 && p[0] == 0x30) { return nil }
        var v: Int64 = 0
        for b in p {
            let d = b &- 0x30
            if d > 9 { return nil }
            v = v &* 10 &+ Int64(d)
        }
        return v
    }

    /// A signed decimal integer, surrounding spaces allowed.
    public static func integer(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let p = trimmed(raw)
        var i = 0
        var negative = false
        if i < p.count && (p[i] == 0x2D || p[i] == 0x2B) { negative = p[i] == 0x2D; i += 1 }
        if i == p.count || p.count - i > 18 { return nil }
        var v: Int64 = 0
        while i < p.count {
            let d = p[i] &- 0x30
            if d > 9 { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }

    /// 10^e for 0 <= e <= 22, all exactly representable (no table, so no lazy-global check per call).
    @inline(__always)
    static func exactPowerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1000
        default:
            var x = 1000.0
            for _ in 3 ..< e { x *= 10 }
            return x
        }
    }

    /// A finite decimal number (`4`, `3.5`, `-1e3`, `.5`), surrounding spaces allowed; nan and inf
    /// are refused. Short decimals take an exact fast path; the rest fall back to the standard parser.
    public static func decimal(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
        // Star ratings are nearly always `D` or `D.D`: convert those directly.
        if raw.count == 1 {
            let d = raw[0] &- 0x30
            if d <= 9 { return Double(d) }
        } else if raw.count == 3 && raw[1] == 0x2E {
            let a = raw[0] &- 0x30, b = raw[2] &- 0x30
            if a <= 9 && b <= 9 { return Double(Int(a) * 10 + Int(b)) / 10 }   // correctly rounded, as the general path
        }
        let p = trimmed(raw)
        let n = p.count
        if n == 0 { return nil }
        var i = 0
        var negative = false
        if p[i] == 0x2D || p[i] == 0x2B { negative = p[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawPoint = false
        var sawDigit = false
        while i < n {
            let b = p[i]
            let d = b &- 0x30
            if d <= 9 {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(d)
                    if mantissa != 0 { digits += 1 }
                    if sawPoint { fractionDigits += 1 }
                } else if !sawPoint {
                    return slowDecimal(p)
                }
            } else if b == 0x2E && !sawPoint {
                sawPoint = true
            } else if b == 0x65 || b == 0x45 {
                return sawDigit ? slowDecimal(p) : nil
            } else {
                return nil
            }
            i += 1
        }
        if !sawDigit { return nil }
        if mantissa < (1 << 53) && fractionDigits <= 22 {
            let v = Double(mantissa) / exactPowerOfTen(fractionDigits)
            return negative ? -v : v
        }
        return slowDecimal(p)
    }

    private static func slowDecimal(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let s = String(validating: p, as: UTF8.self), let v = Double(s), v.isFinite else { return nil }
        return v
    }

    // MARK: SWAR digits for padded buffers

    /// The value of 8 ASCII digits loaded little-endian (first character in the low byte), or nil
    /// when a byte is not a digit (Lemire's 8-digit SWAR conversion).
    @inline(__always)
    static func eightDigits(_ w: UInt64) -> UInt64? {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, zeros: UInt64 = 0x3030_3030_3030_3030
        guard w & high == zeros, (w &+ 0x0606_0606_0606_0606) & high == zeros else { return nil }
        var v = w &- zeros
        v = (v &* 10) &+ (v &>> 8)
        return ((v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 &<< 32)) &+ ((v &>> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10000 &<< 32))) &>> 32
    }

    /// The value of `n` (1...16) ASCII digits at `p`, or nil if any is not a digit. Reads 8 bytes
    /// at a time, so up to 7 bytes past the field: only for buffers with that much slack (the
    /// fields of a `DelimitedReader`).
    @inline(__always)
    static func digits(padded p: UnsafePointer<UInt8>, count n: Int) -> UInt64? {
        @inline(__always) func load(_ at: Int) -> UInt64 { UInt64(littleEndian: UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self)) }
        @inline(__always) func leading(_ w: UInt64, _ k: Int) -> UInt64 {
            // Keep the first k characters, shifted to the top, with '0's in front.
            k == 8 ? w : (w &<< UInt64(8 * (8 - k))) | (0x3030_3030_3030_3030 &>> UInt64(8 * k))
        }
        if n <= 8 { return eightDigits(leading(load(0), n)) }
        guard let hi = eightDigits(leading(load(0), n - 8)), let lo = eightDigits(load(n - 8)) else { return nil }
        return hi &* 100_000_000 &+ lo
    }

    /// `canonicalUnsigned` for a padded field (see `digits(padded:count:)`).
    @inline(__always)
    static func canonicalUnsigned(padded p: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = p.count
        if n == 0 || n > 16 || (n > 1 && p[0] == 0x30) { return n > 16 ? canonicalUnsigned(p) : nil }
        return digits(padded: p.baseAddress!, count: n).map { Int64($0) }
    }

    /// `integer` for a padded field (see `digits(padded:count:)`).
    @inline(__always)
    static func integer(padded raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let p = trimmed(raw)
        guard let base = p.baseAddress, p.count > 0 else { return nil }
        let negative = p[0] == 0x2D
        let skip = negative || p[0] == 0x2B ? 1 : 0
        let n = p.count - skip
        if n < 1 || n > 16 { return n > 16 ? integer(raw) : nil }
        guard let v = digits(padded: base + skip, count: n) else { return nil }
        return negative ? -Int64(v) : Int64(v)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day count since 1970-01-01 (inverse of `daysFromCivil`).
    public static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inline(__always)
    private static func digits(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ n: Int) -> Int64? {
        if at + n > p.count { return nil }
        var v: Int64 = 0
        for i in at ..< at + n {
            let d = p[i] &- 0x30
            if d > 9 { return nil }
            v = v * 10 + Int64(d)
        }
        return v
    }

    /// Seconds since the Unix epoch of `YYYY-MM-DD`, optionally followed by `T` or a space and
    /// `HH:MM[:SS[.fff]]`, and `Z` or `±HH:MM`. Calendar-checked (no 2021-02-30).
    public static func isoDateTime(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let p = trimmed(raw)
        guard p.count >= 10, p[4] == 0x2D, p[7] == 0x2D,
              let y = digits(p, 0, 4), let m = digits(p, 5, 2), let d = digits(p, 8, 2),
              (1 ... 12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        var seconds = daysFromCivil(year: y, month: m, day: d) * 86_400
        if p.count == 10 { return seconds }
        guard p[10] == 0x54 || p[10] == 0x20, let hh = digits(p, 11, 2), p.count >= 16, p[13] == 0x3A,
              let mm = digits(p, 14, 2), hh < 24, mm < 60 else { return nil }
        seconds += hh * 3600 + mm * 60
        var i = 16
        if i < p.count && p[i] == 0x3A {
            guard let ss = digits(p, i + 1, 2), ss < 61 else { return nil }
            seconds += ss
            i += 3
            if i < p.count && p[i] == 0x2E {
                i += 1
                while i < p.count && p[i] &- 0x30 <= 9 { i += 1 }
            }
        }
        if i == p.count { return seconds }
        if p[i] == 0x5A && i + 1 == p.count { return seconds }
        if (p[i] == 0x2B || p[i] == 0x2D) && i + 6 == p.count && p[i + 3] == 0x3A,
           let oh = digits(p, i + 1, 2), let om = digits(p, i + 4, 2) {
            let offset = oh * 3600 + om * 60
            return p[i] == 0x2B ? seconds - offset : seconds + offset
        }
        return nil
    }

    /// A timestamp in one of the accepted forms; `padded` fields may use the SWAR digit path.
    public static func timestamp(_ p: UnsafeBufferPointer<UInt8>, _ kind: TimestampKind, padded: Bool = false) -> Int64? {
        switch kind {
        case .unixSeconds: return padded ? integer(padded: p) : integer(p)
        case .isoDate: return isoDateTime(p)
        case .auto:
            let t = trimmed(p)
            if t.count >= 10 && t.count > 4 && t[4] == 0x2D { return isoDateTime(t) }
            return padded ? integer(padded: t) : integer(t)
        }
    }
}

/// How a timestamp column is written.
public enum TimestampKind: String, Sendable, Codable {
    /// Integer seconds since 1970-01-01 UTC.
    case unixSeconds = "unix"
    /// `YYYY-MM-DD` with an optional time and zone.
    case isoDate = "iso"
    /// Either, decided per value.
    case auto
}
