import CineMeshData

/// Histogram bins over a rating scale: one bin per step when the scale has a step (1...5 by 1
/// gives 5 bins, 0.5...5 by 0.5 gives 10), else ten equal-width bins over [min, max].
public struct RatingBins: Sendable, Equatable {
    public let scale: RatingScale
    public let count: Int
    private let origin: Float
    private let width: Float

    public init(scale: RatingScale) {
        self.scale = scale
        if let step = scale.step, step > 0 {
            count = Int(((scale.max - scale.min) / step).rounded()) + 1
            origin = Float(scale.min)
            width = Float(step)
        } else {
            count = 10
            origin = Float(scale.min)
            width = Float((scale.max - scale.min) / 10)
        }
    }

    /// The bin of rating `x` (clamped to the scale, stepped scales round to the nearest step).
    @inline(__always)
    public func index(of x: Float) -> Int {
        let raw = (x - origin) / width
        let k = scale.step != nil ? Int(raw.rounded()) : Int(raw)
        return Swift.min(Swift.max(k, 0), count - 1)
    }

    /// The lower edge (or the value, on a stepped scale) of bin `k`.
    public func label(_ k: Int) -> Double {
        scale.min + Double(k) * Double(width)
    }
}
