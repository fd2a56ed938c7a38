/// Sums of squared and absolute prediction errors whose value does not depend on the order the
/// errors are added in, nor on how they are split into partial sums that are merged later: each
/// term is rounded down to a multiple of 2^-64 and added as a 128-bit fixed-point integer, and
/// integer addition is associative. So a held-out set scored in pieces on several workers (each
/// its own grid rows) and merged gives the very bits one process gets scoring it whole.
///
/// A term is at most (max - min)^2 of the rating scale (an error that is not finite, or 2^31 or
/// more, makes both sums NaN: the model diverged); the integer parts are summed in 64 bits,
/// which holds more than 10^14 terms of 10^4 each.
public struct ErrorSum: Sendable, Equatable {
    public private(set) var count = 0
    private var squared = Fixed()
    private var absolute = Fixed()
    /// Errors that were not finite (a diverged model): the sums are then NaN.
    private var invalid = 0

    public init() {}

    /// One error (rating minus prediction).
    @inline(__always)
    public mutating func add(_ error: Float) {
        count += 1
        let e = Double(error)   // e * e is exact in Double: a Float has 24 significant bits
        guard abs(e) < 0x1p31 else {
            invalid += 1
            return
        }
        squared.add(e * e)
        absolute.add(abs(e))
    }

    public mutating func merge(_ other: ErrorSum) {
        count += other.count
        invalid += other.invalid
        squared.add(other.squared)
        absolute.add(other.absolute)
    }

    public var rmse: Double { invalid > 0 ? .nan : count > 0 ? (squared.value / Double(count)).squareRoot() : 0 }
    public var mae: Double { invalid > 0 ? .nan : count > 0 ? absolute.value / Double(count) : 0 }

    public var errors: PredictionErrors { PredictionErrors(count: count, rmse: rmse, mae: mae) }

    /// The exact text form (counts and the four 64-bit halves in hexadecimal), for task outputs.
    public var text: String {
        [String(count), String(invalid), String(squared.whole, radix: 16), String(squared.fraction, radix: 16),
         String(absolute.whole, radix: 16), String(absolute.fraction, radix: 16)].joined(separator: ":")
    }

    /// Parses `text`; nil when it is not one.
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, let count = Int(parts[0]), let invalid = Int(parts[1]), count >= 0, (0 ... count).contains(invalid),
              let sw = UInt64(parts[2], radix: 16), let sf = UInt64(parts[3], radix: 16),
              let aw = UInt64(parts[4], radix: 16), let af = UInt64(parts[5], radix: 16) else { return nil }
        self.count = count
        self.invalid = invalid
        squared = Fixed(whole: sw, fraction: sf)
        absolute = Fixed(whole: aw, fraction: af)
    }

    /// A non-negative number in 64.64 fixed point.
    private struct Fixed: Sendable, Equatable {
        var whole: UInt64 = 0
        var fraction: UInt64 = 0

        /// Adds `x` (finite, >= 0, < 2^63) rounded down to a multiple of 2^-64.
        @inline(__always)
        mutating func add(_ x: Double) {
            let w = UInt64(x)
            // x - w is exact (it has no more significant bits than x), and below 1.
            add(Fixed(whole: w, fraction: UInt64((x - Double(w)) * 0x1p64)))
        }

        @inline(__always)
        mutating func add(_ other: Fixed) {
            let (f, carry) = fraction.addingReportingOverflow(other.fraction)
            fraction = f
            whole += other.whole + (carry ? 1 : 0)
        }

        var value: Double { Double(whole) + Double(fraction) * 0x1p-64 }
    }
}
