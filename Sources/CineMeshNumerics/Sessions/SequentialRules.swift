/// Item-to-item transitions ("sequential rules", as in Ludewig and Jannach's evaluation): in each
/// training session, item a followed `d` positions later (d <= `steps`) by item b adds 1/d to
/// the rule a -> b. The next items after a session so far are scored by the rules of its items,
/// the last one weighing 1, the one before 1/2, then 1/3, ... up to the last `window` items
/// (recency weighting): what was just watched says most about what comes next.
///
/// The rules are a sparse item x item matrix in CSR form (targets and weights per source item,
/// targets in index order), built by sorting (source, target, weight) triples rather than with a
/// dictionary per item.
public struct SequentialRules: SessionRecommender {
    public let name = "sr"
    public let steps: Int
    public let window: Int
    let offsets: [Int]
    let targets: [UInt32]
    let weights: [Float]
    private var scores: ItemScores
    let itemCount: Int

    public init(_ log: SessionLog, training: [Int], steps: Int = 10, window: Int = 10) {
        self.steps = steps
        self.window = max(1, window)
        itemCount = log.itemCount
        var triples: [(from: UInt32, to: UInt32, weight: Float)] = []
        for s in training {
            let items = log.session(s)
            let base = items.startIndex
            for p in 0 ..< items.count {
                for d in 1 ... max(1, steps) where p + d < items.count {
                    triples.append((items[base + p], items[base + p + d], 1 / Float(d)))
                }
            }
        }
        triples.sort { $0.from != $1.from ? $0.from < $1.from : $0.to < $1.to }
        var offsets = [Int](repeating: 0, count: log.itemCount + 1)
        var targets: [UInt32] = [], weights: [Float] = []
        var i = 0
        while i < triples.count {
            var j = i, sum: Float = 0
            while j < triples.count, triples[j].from == triples[i].from, triples[j].to == triples[i].to {
                sum += triples[j].weight
                j += 1
            }
            targets.append(triples[i].to)
            weights.append(sum)
            offsets[Int(triples[i].from) + 1] += 1
            i = j
        }
        for k in 0 ..< log.itemCount { offsets[k + 1] += offsets[k] }
        self.offsets = offsets
        self.targets = targets
        self.weights = weights
        scores = ItemScores(itemCount: log.itemCount)
    }

    /// The rule weight a -> b (0 when there is none), for tests and explanations.
    public func weight(from a: Int, to b: Int) -> Float {
        let lo = offsets[a], hi = offsets[a + 1]
        guard let at = targets[lo ..< hi].firstIndex(of: UInt32(b)) else { return 0 }
        return weights[at]
    }

    public mutating func recommend(after prefix: ArraySlice<UInt32>, n: Int) -> [Int] {
        var distance = 0
        for item in prefix.suffix(window).reversed() {
            defer { distance += 1 }
            guard Int(item) < itemCount else { continue }
            let recency = 1 / Float(distance + 1)
            for r in offsets[Int(item)] ..< offsets[Int(item) + 1] {
                scores.add(Int(targets[r]), weights[r] * recency)
            }
        }
        return scores.best(n, excluding: prefix)
    }
}
