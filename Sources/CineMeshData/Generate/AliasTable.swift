/// Vose's alias method: O(1) draws from a fixed discrete distribution (item popularity).
public struct AliasTable: Sendable {
    private var probability: [Double]
    private var alias: [UInt32]

    /// Weights need not be normalized; all must be >= 0 with a positive sum.
    public init(weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / total }
        probability = [Double](repeating: 1, count: n)
        alias = (0 ..< n).map { UInt32($0) }
        var small: [Int] = [], large: [Int] = []
        for i in 0 ..< n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast(), let l = large.popLast() {
            probability[s] = scaled[s]
            alias[s] = UInt32(l)
            scaled[l] = scaled[l] + scaled[s] - 1
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
    }

    @inline(__always)
    public func sample(_ rng: inout SeededRandom) -> Int {
        let i = rng.below(probability.count)
        return rng.uniform() < probability[i] ? i : Int(alias[i])
    }
}
