/// The scale ratings are given on: `[min, max]`, optionally in steps (`1...5` by 1 for MovieLens
/// 100K, `0.5...5` by 0.5 for MovieLens latest). A rating off the scale is a bad row.
public struct RatingScale: Codable, Sendable, Equatable, CustomStringConvertible {
    public var min: Double
    public var max: Double
    /// Spacing of allowed values from `min`, or nil for any value in range.
    public var step: Double?

    public init(min: Double, max: Double, step: Double? = nil) {
        self.min = min
        self.max = max
        self.step = step
    }

    /// Parses `MIN:MAX` or `MIN:MAX:STEP`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":").map { Double(String($0)) }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        min = parts[0]!
        max = parts[1]!
        step = parts.count == 3 ? parts[2]! : nil
        guard min < max, step.map({ $0 > 0 }) ?? true else { return nil }
    }

    /// Whether `value` is an allowed rating.
    @inline(__always)
    public func contains(_ value: Double) -> Bool {
        guard value >= min - 1e-9 && value <= max + 1e-9 else { return false }
        guard let step else { return true }
        // Steps of a valid scale are few (at most a few thousand), so the rounding can go through
        // an integer: no libm call and no division in the ingest's inner loop.
        let k = (value - min) * (1 / step)
        let nearest = Double(Int64(k + 0.5))
        return abs(k - nearest) < 1e-6
    }

    public var description: String {
        let f = { (x: Double) in x == x.rounded() ? String(Int(x)) : String(x) }
        return step.map { "\(f(min))-\(f(max)) in steps of \(f($0))" } ?? "\(f(min))-\(f(max))"
    }

    public static let oneToFive = RatingScale(min: 1, max: 5, step: 1)
    public static let halfStars = RatingScale(min: 0.5, max: 5, step: 0.5)
}
