import CineMeshData
import CineMeshModel

/// A trained neighbourhood model: each x's kept neighbours (items for an item-based model, users
/// for a user-based one), the training ratings grouped both ways, and what the rule adds to the
/// neighbours' deviations (the baselines, or each x's mean). It predicts by `KNNRule`.
public struct KNNModel: Sendable {
    public let parameters: KNNParameters
    /// Surprise's `global_mean`: the mean training rating.
    public let globalMean: Double
    /// The baseline μ + b_u + b_i (`baseline` rule; zeros otherwise).
    public let baselineMean: Float
    public let userBias: [Float]
    public let itemBias: [Float]
    /// The mean training rating of each x (`means` rule).
    public let means: [Double]
    public let neighbors: NeighborLists
    /// Training ratings by y (for each y, the x's it rated, ascending) and by x.
    public let byY: RatingsByRow
    public let byX: RatingsByRow

    public init(parameters: KNNParameters, globalMean: Double, baselineMean: Float, userBias: [Float], itemBias: [Float],
                means: [Double], neighbors: NeighborLists, byY: RatingsByRow, byX: RatingsByRow) {
        self.parameters = parameters
        self.globalMean = globalMean
        self.baselineMean = baselineMean
        self.userBias = userBias
        self.itemBias = itemBias
        self.means = means
        self.neighbors = neighbors
        self.byY = byY
        self.byX = byX
    }

    public var users: Int { parameters.userBased ? byX.rows : byY.rows }
    public var items: Int { parameters.userBased ? byY.rows : byX.rows }

    /// The baseline of x and y (as Surprise adds it: μ + b_y + b_x).
    @inline(__always)
    func baseline(x: Int, y: Int) -> Double {
        let (bx, by) = parameters.userBased ? (userBias[x], itemBias[y]) : (itemBias[x], userBias[y])
        return Double(baselineMean) + Double(by) + Double(bx)
    }

    /// What x's neighbours' deviations are added to, and a neighbour x2's own reference.
    @inline(__always)
    func reference(x: Int, y: Int) -> Double {
        switch parameters.rule {
        case .basic: 0
        case .means: means[x]
        case .baseline: baseline(x: x, y: y)
        }
    }

    /// The unclipped estimate for x and y, `ratingOf` holding y's rating of every x (NaN where
    /// y has none). `yKnown`: y has training ratings.
    @inline(__always)
    func estimate(x: Int, y: Int, yKnown: Bool, ratingOf: UnsafeBufferPointer<Float>) -> Double {
        let p = parameters
        let xKnown = byX.offsets[x + 1] > byX.offsets[x]
        guard xKnown && yKnown else {
            return p.rule == .baseline ? baseline(x: x, y: y) : globalMean
        }
        var sumSim = 0.0, sumDev = 0.0, taken = 0
        neighbors.neighbors.withUnsafeBufferPointer { ns in
            neighbors.similarities.withUnsafeBufferPointer { ss in
                for j in neighbors.offsets[x] ..< neighbors.offsets[x + 1] {
                    let x2 = Int(ns[j]), r = ratingOf[x2]
                    guard !r.isNaN else { continue }
                    sumSim += ss[j]
                    sumDev += ss[j] * (Double(r) - reference(x: x2, y: y))
                    taken += 1
                    if taken == p.k { break }
                }
            }
        }
        // basic with no neighbour at all (min_k 0) has nothing to average: Surprise divides by
        // zero there; the global mean is its answer for an impossible prediction.
        if taken < p.minK || (p.rule == .basic && taken == 0) {
            return p.rule == .basic ? globalMean : reference(x: x, y: y)
        }
        return reference(x: x, y: y) + (sumSim > 0 ? sumDev / sumSim : 0)
    }

    /// Unclipped predictions for (users[j], items[j]); an index of -1 (a user or item the
    /// training data never had) is predicted as unknown.
    public func predict(users: [Int32], items: [Int32]) -> [Double] {
        let userBased = parameters.userBased
        let xs = userBased ? users : items, ys = userBased ? items : users
        var out = [Double](repeating: globalMean, count: xs.count)
        // Grouped by y, so y's ratings are spread into the scratch row once per y.
        let order = xs.indices.sorted { ys[$0] != ys[$1] ? ys[$0] < ys[$1] : $0 < $1 }
        var ratingOf = [Float](repeating: .nan, count: byX.rows)
        ratingOf.withUnsafeMutableBufferPointer { scratch in
            var current = -1
            for j in order {
                let x = Int(xs[j]), y = Int(ys[j])
                if y != current {
                    if current >= 0 { for e in byY.offsets[current] ..< byY.offsets[current + 1] { scratch[Int(byY.others[e])] = .nan } }
                    current = y
                    if y >= 0 { for e in byY.offsets[y] ..< byY.offsets[y + 1] { scratch[Int(byY.others[e])] = byY.ratings[e] } }
                }
                switch (x >= 0, y >= 0) {
                case (true, true):
                    out[j] = estimate(x: x, y: y, yKnown: byY.offsets[y + 1] > byY.offsets[y], ratingOf: UnsafeBufferPointer(scratch))
                case (false, false), (true, false), (false, true):
                    out[j] = unknownEstimate(x: x, y: y)
                }
            }
        }
        return out
    }

    /// Surprise's answer when the user or the item is missing from training: the global mean, or
    /// for the baseline rule the biases that are known.
    func unknownEstimate(x: Int, y: Int) -> Double {
        guard parameters.rule == .baseline else { return globalMean }
        let (users, items) = parameters.userBased ? (x, y) : (y, x)
        return Double(baselineMean) + (users >= 0 ? Double(userBias[users]) : 0) + (items >= 0 ? Double(itemBias[items]) : 0)
    }

    /// The unclipped estimate of every item for `user`, for top-N lists.
    public func scores(user: Int) -> [Double] {
        if !parameters.userBased {
            // y is the user: one scratch row of the user's ratings serves every item.
            var ratingOf = [Float](repeating: .nan, count: byX.rows)
            for e in byY.offsets[user] ..< byY.offsets[user + 1] { ratingOf[Int(byY.others[e])] = byY.ratings[e] }
            let known = byY.offsets[user + 1] > byY.offsets[user]
            return ratingOf.withUnsafeBufferPointer { r in (0 ..< byX.rows).map { estimate(x: $0, y: user, yKnown: known, ratingOf: r) } }
        }
        // x is the user: walk the user's neighbours, most similar first, through their ratings;
        // each item takes its first k raters met, which are its k most similar.
        let p = parameters, itemCount = byY.rows
        guard byX.offsets[user + 1] > byX.offsets[user] else { return (0 ..< itemCount).map { unknownEstimate(x: user, y: $0) } }
        var sumSim = [Double](repeating: 0, count: itemCount), sumDev = sumSim
        var taken = [Int32](repeating: 0, count: itemCount)
        let list = neighbors.list(user)
        for (x2, s) in zip(list.neighbors, list.similarities) {
            for e in byX.offsets[Int(x2)] ..< byX.offsets[Int(x2) + 1] {
                let item = Int(byX.others[e])
                guard taken[item] < p.k else { continue }
                taken[item] += 1
                sumSim[item] += s
                sumDev[item] += s * (Double(byX.ratings[e]) - reference(x: Int(x2), y: item))
            }
        }
        return (0 ..< itemCount).map { item in
            guard byY.offsets[item + 1] > byY.offsets[item] else { return p.rule == .baseline ? baseline(x: user, y: item) : globalMean }
            if Int(taken[item]) < p.minK || (p.rule == .basic && taken[item] == 0) { return p.rule == .basic ? globalMean : reference(x: user, y: item) }
            return reference(x: user, y: item) + (sumSim[item] > 0 ? sumDev[item] / sumSim[item] : 0)
        }
    }
}
