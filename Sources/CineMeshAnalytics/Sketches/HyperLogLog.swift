/// A HyperLogLog sketch of the number of distinct values in a set: `COUNT(DISTINCT x)` in one
/// fixed-size, mergeable, serializable partial aggregate.
///
/// `m = 2^precision` one-byte registers (precision 14 by default: 16 384 registers, 16 KiB). Each
/// 64-bit hash picks a register with its top `precision` bits and offers it the position of the
/// first 1 bit among the rest. The relative standard error of `estimate` is about
/// `1.04 / sqrt(m)`: 0.81 % at precision 14 (so within 2.4 %, three standard errors, with
/// probability 99.7 %), and far better below a few thousand distinct values, which are counted
/// almost exactly.
///
/// The estimator is Ertl's improved raw estimator (O. Ertl, "New cardinality estimation
/// algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284, algorithm 6). It needs no
/// empirical bias tables and no switch to linear counting: it is accurate from 0 to far beyond
/// 2^40 distinct values.
///
/// Deterministic and partition-independent: the hashes are fixed functions (XXH64, seed 0, never
/// Swift's per-process `Hasher`), adding is order-independent and `merge` is a register-wise
/// maximum, so a sketch over a set of values has the same registers however the values were
/// split into partials and in whatever order the partials were merged. The estimate is computed
/// with `+ - * / sqrt` only, so it is the same bits on every machine.
public struct HyperLogLog: Sendable, Equatable {
    /// The default precision: 16 384 registers, 0.81 % standard error.
    public static let defaultPrecision = 14
    /// The precisions supported (16 to 262 144 registers).
    public static let precisionRange = 4 ... 18

    /// log2 of the register count.
    public let precision: Int
    /// `2^precision` registers; register `i` holds 0 (never hit) or 1 + the largest number of
    /// leading zeros seen after the index bits of a hash indexing it (at most `65 - precision`).
    public internal(set) var registers: [UInt8]

    /// An empty sketch with `2^precision` registers; `precision` must be in `precisionRange`.
    public init(precision: Int = HyperLogLog.defaultPrecision) {
        precondition(Self.precisionRange.contains(precision), "HyperLogLog precision \(precision) is not in \(Self.precisionRange)")
        self.precision = precision
        registers = [UInt8](repeating: 0, count: 1 << precision)
    }

    /// The largest value a register can hold: 1 + the number of bits after the index bits.
    var maxRegister: Int { 65 - precision }

    /// Adds a value given by its 64-bit hash, which must be well mixed (every bit equally likely).
    @inline(__always)
    public mutating func add(hash: UInt64) {
        let index = Int(truncatingIfNeeded: hash &>> UInt64(64 - precision))
        let rest = hash &<< UInt64(precision)
        let rank = UInt8(truncatingIfNeeded: Swift.min(rest.leadingZeroBitCount, 64 - precision) + 1)
        if registers[index] < rank { registers[index] = rank }
    }

    /// Adds an integer: hashed as XXH64 (seed 0) of its 8 little-endian bytes.
    public mutating func add(_ value: Int64) {
        add(hash: SketchHashing.xxh64(word: UInt64(bitPattern: value)))
    }

    /// Adds a float: hashed as XXH64 (seed 0) of its 8-byte IEEE bit pattern, after mapping -0.0 to
    /// 0.0 and every NaN to `Double.nan`, so values that compare equal count once (and all NaNs
    /// count as one value). `5.0` and the integer `5` are different values.
    public mutating func add(_ value: Double) {
        let canonical = value == 0 ? 0.0 : (value.isNaN ? Double.nan : value)
        add(hash: SketchHashing.xxh64(word: canonical.bitPattern))
    }

    /// Adds a string: hashed as XXH64 (seed 0) of its UTF-8 bytes as given, so strings that differ
    /// only in Unicode normalization count as different values (as in a byte-comparing engine).
    public mutating func add(_ text: String) {
        add(hash: SketchHashing.xxh64(utf8: text))
    }

    /// Folds `other` into this sketch (register-wise maximum): afterwards this sketch is exactly
    /// the sketch of the union of both inputs. Both must have the same precision.
    public mutating func merge(_ other: HyperLogLog) {
        precondition(precision == other.precision, "merging HyperLogLog sketches of precision \(precision) and \(other.precision)")
        registers.withUnsafeMutableBufferPointer { mine in
            other.registers.withUnsafeBufferPointer { theirs in
                for i in mine.indices { mine[i] = Swift.max(mine[i], theirs[i]) }
            }
        }
    }

    /// The estimated number of distinct values added (Ertl's improved raw estimator); 0 when empty.
    public var estimate: Double {
        let q = 64 - precision
        var histogram = [Int](repeating: 0, count: q + 2)
        histogram.withUnsafeMutableBufferPointer { c in
            registers.withUnsafeBufferPointer { r in
                for v in r { c[Int(v)] += 1 }
            }
        }
        let m = Double(registers.count)
        var z = m * Self.tau(1 - Double(histogram[q + 1]) / m)
        for k in stride(from: q, through: 1, by: -1) {
            z = 0.5 * (z + Double(histogram[k]))
        }
        z += m * Self.sigma(Double(histogram[0]) / m)
        // alpha_inf = 1 / (2 ln 2); an empty sketch has z = +inf and estimates 0.
        return m * m / (2 * 0.693_147_180_559_945_3 * z)
    }

    /// `estimate` rounded to the nearest integer.
    public var count: Int64 { Int64(estimate.rounded()) }

    /// Ertl's sigma: x + sum over k >= 1 of x^(2^k) * 2^(k-1); +inf at x = 1.
    private static func sigma(_ x: Double) -> Double {
        if x == 1 { return .infinity }
        var x = x, y = 1.0, z = x, previous = 0.0
        repeat {
            x *= x
            previous = z
            z += x * y
            y += y
        } while z != previous
        return z
    }

    /// Ertl's tau: (1 - x - sum over k >= 1 of (1 - x^(2^-k))^2 * 2^-k) / 3; 0 at x = 0 and x = 1.
    private static func tau(_ x: Double) -> Double {
        if x == 0 || x == 1 { return 0 }
        var x = x, y = 1.0, z = 1 - x, previous = 0.0
        repeat {
            x = x.squareRoot()
            previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
        } while z != previous
        return z / 3
    }
}
