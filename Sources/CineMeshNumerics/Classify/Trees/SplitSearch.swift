/// What a leaf may be, with LightGBM's names: the rules a split must pass, and a leaf's value.
///
/// A leaf with gradient sum G and hessian sum H is worth G² / (H + `lambdaL2`) and outputs
/// -G / (H + `lambdaL2`) (a Newton step, L2-shrunk). A split's gain is its children's worth
/// minus its parent's; it is allowed when each child keeps `minDataInLeaf` rows and a hessian
/// sum of `minSumHessianInLeaf`, and its gain exceeds `minGainToSplit`.
public struct SplitRule: Sendable, Codable, Equatable {
    /// `lambda_l2`: the L2 penalty on leaf values.
    public var lambdaL2: Double
    /// `min_sum_hessian_in_leaf` (alias `min_child_weight`).
    public var minSumHessianInLeaf: Double
    /// `min_data_in_leaf`.
    public var minDataInLeaf: Int
    /// `min_gain_to_split`.
    public var minGainToSplit: Double

    public init(lambdaL2: Double = 0, minSumHessianInLeaf: Double = 1e-3, minDataInLeaf: Int = 20, minGainToSplit: Double = 0) {
        self.lambdaL2 = lambdaL2
        self.minSumHessianInLeaf = minSumHessianInLeaf
        self.minDataInLeaf = minDataInLeaf
        self.minGainToSplit = minGainToSplit
    }

    /// G² / (H + lambda_l2).
    @inline(__always)
    public func worth(gradient: Double, hessian: Double) -> Double { gradient * gradient / (hessian + lambdaL2) }

    /// -G / (H + lambda_l2).
    @inline(__always)
    public func output(gradient: Double, hessian: Double) -> Double { -gradient / (hessian + lambdaL2) }
}

/// Sums over a set of rows: gradients, hessians, and the number of rows.
public struct LeafSums: Sendable, Equatable {
    public var gradient: Double
    public var hessian: Double
    public var count: Double

    public init(gradient: Double, hessian: Double, count: Double) {
        self.gradient = gradient
        self.hessian = hessian
        self.count = count
    }

    static func - (a: LeafSums, b: LeafSums) -> LeafSums {
        LeafSums(gradient: a.gradient - b.gradient, hessian: a.hessian - b.hessian, count: a.count - b.count)
    }
}

/// The best split of a leaf: rows whose bin of `feature` is at most `bin` go left.
public struct SplitCandidate: Sendable, Equatable {
    public var feature: Int
    public var bin: Int
    public var gain: Double
    public var left: LeafSums
    public var right: LeafSums
}

extension GradientHistogram {
    /// The split of the rows summed here with the highest gain that `rule` allows, among the
    /// features whose `allowed` is true; nil when there is none. `total` is the rows' sums.
    /// Ties go to the lowest feature, then the lowest bin, so the result depends on nothing but
    /// the histogram.
    public func bestSplit(total: LeafSums, offsets: [Int], rule: SplitRule, allowed: [Bool]) -> SplitCandidate? {
        let parentWorth = rule.worth(gradient: total.gradient, hessian: total.hessian)
        let minCount = Double(rule.minDataInLeaf), minHessian = rule.minSumHessianInLeaf
        var best: SplitCandidate?
        var bestGain = rule.minGainToSplit
        sums.withUnsafeBufferPointer { s in
            for f in 0 ..< offsets.count - 1 where allowed[f] {
                var g = 0.0, h = 0.0, n = 0.0
                // The last bin cannot be a left side: nothing would go right.
                for b in offsets[f] ..< offsets[f + 1] - 1 {
                    g += s[3 * b]
                    h += s[3 * b + 1]
                    n += s[3 * b + 2]
                    if n < minCount || h < minHessian { continue }
                    let rn = total.count - n, rh = total.hessian - h
                    if rn < minCount { break }
                    if rh < minHessian { continue }
                    let gain = rule.worth(gradient: g, hessian: h) + rule.worth(gradient: total.gradient - g, hessian: rh) - parentWorth
                    if gain > bestGain {
                        bestGain = gain
                        let left = LeafSums(gradient: g, hessian: h, count: n)
                        best = SplitCandidate(feature: f, bin: b - offsets[f], gain: gain, left: left, right: total - left)
                    }
                }
            }
        }
        return best
    }
}
