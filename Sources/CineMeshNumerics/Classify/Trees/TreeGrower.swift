import CineMeshData

/// How large a tree may grow, with LightGBM's names.
public struct TreeShape: Sendable, Codable, Equatable {
    /// `num_leaves`: the most leaves a tree has; `Int.max` for no limit.
    public var numLeaves: Int
    /// `max_depth`: the deepest a leaf may be (the root is at depth 0); -1 for no limit.
    public var maxDepth: Int
    public var rule: SplitRule

    public init(numLeaves: Int = 31, maxDepth: Int = -1, rule: SplitRule = SplitRule()) {
        self.numLeaves = numLeaves
        self.maxDepth = maxDepth
        self.rule = rule
    }
}

/// Grows one tree at a time on the rows of a `BinMatrix`, leaf-wise (best-first, LightGBM's
/// way): every leaf knows its best split, and the leaf whose split gains most is split next,
/// until the tree has `numLeaves` leaves or no leaf has a split the rule allows.
///
/// The rows of each leaf are a range of one array (`order`), kept in ascending row order by a
/// stable partition at each split, so a histogram reads the bins forwards. A split builds the
/// histogram of its smaller side from its rows, and the larger side's is the parent's minus it.
/// The working buffers (the rows, the histograms) are kept from one tree
/// to the next: growing a tree allocates only the tree.
///
/// Histograms are kept for the leaves that may still split, up to `poolLimit` of them (a tree
/// without a leaf limit may have tens of thousands); a leaf without one has both children's
/// histograms built from their rows.
final class TreeGrower {
    let matrix: BinMatrix
    let bins: FeatureBins
    let offsets: [Int]
    let shape: TreeShape
    /// Features drawn at random for each leaf's split search (a random forest's `max_features`);
    /// nil: every feature the tree may use.
    let featuresPerNode: Int?
    let poolLimit: Int
    /// Threads a histogram of many rows is built on (its features shared out).
    let threads: Int

    /// Slots 0 and 1 are scratch, never kept for a leaf; kept histograms are from slot 2 on.
    private var histograms: [GradientHistogram]
    private var freeSlots: [Int] = []
    /// The rows of leaf `l` are `order[begin[l] ..< end[l]]`.
    private(set) var order: [Int32] = []
    private(set) var begin: [Int] = []
    private(set) var end: [Int] = []
    private var depth: [Int] = []
    private var sums: [LeafSums] = []
    private var best: [SplitCandidate?] = []
    private var slot: [Int] = []
    private var partitionScratch: [Int32] = []
    private var nodeFeatures: [Bool]
    private var candidates: [Int] = []
    private var queue = SplitQueue()

    init(matrix: BinMatrix, bins: FeatureBins, shape: TreeShape, featuresPerNode: Int? = nil, poolBytes: Int = 256 << 20, threads: Int = 1) {
        self.threads = threads
        self.matrix = matrix
        self.bins = bins
        offsets = bins.offsets
        self.shape = shape
        self.featuresPerNode = featuresPerNode
        let binCount = offsets.last!
        poolLimit = max(3, min(shape.numLeaves == .max ? .max : shape.numLeaves + 2, poolBytes / max(1, 24 * binCount)))
        histograms = [GradientHistogram(binCount: binCount), GradientHistogram(binCount: binCount)]
        nodeFeatures = [Bool](repeating: false, count: bins.featureCount)
    }

    /// A tree on `rows` (ascending row numbers of the matrix) with these gradients and hessians
    /// (indexed by row number), using only the features whose `features` is true; a leaf's value
    /// is `shape.rule.output` of its sums. `random` draws the features of each split search
    /// when `featuresPerNode` is set.
    func grow(rows: [Int32], gradients: [Double], hessians: [Double], features: [Bool], random: inout SeededRandom) -> RegressionTree {
        order = rows
        if partitionScratch.count < rows.count { partitionScratch = [Int32](repeating: 0, count: rows.count) }
        begin = [0]; end = [rows.count]; depth = [0]; best = [nil]; slot = [-1]
        queue.removeAll()
        var total = LeafSums(gradient: 0, hessian: 0, count: Double(rows.count))
        for r in rows {
            total.gradient += gradients[Int(r)]
            total.hessian += hessians[Int(r)]
        }
        sums = [total]
        candidates = features.indices.filter { features[$0] }
        var tree = RegressionTree(value: shape.rule.output(gradient: total.gradient, hessian: total.hessian))
        if shape.numLeaves > 1 {
            let root = acquire() ?? 0
            build(root, leaf: 0, gradients: gradients, hessians: hessians)
            consider(leaf: 0, histogram: root, features: features, random: &random)
        }
        while tree.leafCount < shape.numLeaves, let chosen = queue.pop() {
            split(leaf: chosen, tree: &tree, gradients: gradients, hessians: hessians, features: features, random: &random)
        }
        for s in slot where s >= 2 { freeSlots.append(s) }
        return tree
    }

    /// Splits `leaf` by its best split: partitions its rows, makes the children's histograms
    /// (the smaller built, the larger by subtraction) and finds their best splits.
    private func split(leaf: Int, tree: inout RegressionTree, gradients: [Double], hessians: [Double], features: [Bool],
                       random: inout SeededRandom) {
        let c = best[leaf]!
        best[leaf] = nil
        let mid = partition(leaf: leaf, feature: c.feature, bin: UInt8(c.bin))
        let rule = shape.rule
        let right = tree.split(leaf: leaf, feature: c.feature, bin: c.bin, threshold: bins.upperBounds[c.feature][c.bin], gain: c.gain,
                               left: rule.output(gradient: c.left.gradient, hessian: c.left.hessian),
                               right: rule.output(gradient: c.right.gradient, hessian: c.right.hessian))
        let parentSlot = slot[leaf]
        begin.append(mid); end.append(end[leaf]); end[leaf] = mid
        depth.append(depth[leaf] + 1); depth[leaf] += 1
        sums[leaf] = c.left; sums.append(c.right)
        best.append(nil); slot.append(-1); slot[leaf] = -1
        // The last split of the tree needs no histograms.
        guard tree.leafCount < shape.numLeaves else {
            if parentSlot >= 2 { freeSlots.append(parentSlot) }
            return
        }
        let (small, large) = end[leaf] - begin[leaf] <= end[right] - begin[right] ? (leaf, right) : (right, leaf)
        let smallSlot = acquire() ?? 0
        build(smallSlot, leaf: small, gradients: gradients, hessians: hessians)
        let largeSlot: Int
        if parentSlot >= 0 {
            let child = histograms[smallSlot]
            histograms[parentSlot].subtract(child)
            largeSlot = parentSlot
        } else {
            largeSlot = acquire() ?? 1
            build(largeSlot, leaf: large, gradients: gradients, hessians: hessians)
        }
        consider(leaf: small, histogram: smallSlot, features: features, random: &random)
        consider(leaf: large, histogram: largeSlot, features: features, random: &random)
    }

    /// Finds `leaf`'s best split in the histogram in `histogram`, and keeps the histogram for
    /// the leaf if it has one (and the slot is not scratch), else frees it.
    private func consider(leaf: Int, histogram s: Int, features: [Bool], random: inout SeededRandom) {
        let rule = shape.rule, n = sums[leaf]
        let splittable = n.count >= 2 * Double(rule.minDataInLeaf) && n.hessian >= 2 * rule.minSumHessianInLeaf
            && (shape.maxDepth <= 0 || depth[leaf] < shape.maxDepth)
        var found: SplitCandidate?
        if splittable {
            if let k = featuresPerNode, k < candidates.count {
                // A partial Fisher-Yates shuffle: the first k of `candidates` are the draw.
                for f in nodeFeatures.indices { nodeFeatures[f] = false }
                for j in 0 ..< k {
                    candidates.swapAt(j, j + random.below(candidates.count - j))
                    nodeFeatures[candidates[j]] = true
                }
                found = histograms[s].bestSplit(total: n, offsets: offsets, rule: rule, allowed: nodeFeatures)
            } else {
                found = histograms[s].bestSplit(total: n, offsets: offsets, rule: rule, allowed: features)
            }
        }
        best[leaf] = found
        if let found { queue.push(leaf: leaf, gain: found.gain) }
        if found != nil && s >= 2 { slot[leaf] = s } else if s >= 2 { freeSlots.append(s) }
    }

    /// A free kept-histogram slot, cleared; nil when `poolLimit` are in use.
    private func acquire() -> Int? {
        if let s = freeSlots.popLast() {
            histograms[s].clear()
            return s
        }
        guard histograms.count < poolLimit else { return nil }
        histograms.append(GradientHistogram(binCount: offsets.last!))
        return histograms.count - 1
    }

    /// Makes slot `s` the histogram of `leaf`'s rows.
    private func build(_ s: Int, leaf: Int, gradients: [Double], hessians: [Double]) {
        if s < 2 { histograms[s].clear() }
        let range = begin[leaf] ..< end[leaf]
        order.withUnsafeBufferPointer { o in
            gradients.withUnsafeBufferPointer { g in
                hessians.withUnsafeBufferPointer { h in
                    histograms[s].add(rows: UnsafeBufferPointer(rebasing: o[range]), matrix: matrix, offsets: offsets, gradients: g, hessians: h,
                                      features: 0 ..< matrix.featureCount, lanes: range.count >= 16_384 ? threads : 1)
                }
            }
        }
    }

    /// Stable partition of `leaf`'s rows: those whose bin of `feature` is at most `bin` first.
    /// Returns where the others start.
    private func partition(leaf: Int, feature: Int, bin: UInt8) -> Int {
        let b = begin[leaf], e = end[leaf]
        var write = b
        let width = matrix.featureCount
        matrix.rowBins.withUnsafeBufferPointer { bins in
            let column = bins.baseAddress! + feature
            order.withUnsafeMutableBufferPointer { o in
                partitionScratch.withUnsafeMutableBufferPointer { s in
                    var moved = 0
                    for k in b ..< e {
                        let r = o[k]
                        if column[Int(r) * width] <= bin { o[write] = r; write += 1 } else { s[moved] = r; moved += 1 }
                    }
                    for k in 0 ..< moved { o[write + k] = s[k] }
                }
            }
        }
        return write
    }
}

/// The leaves that have a split, best first: a binary max-heap on (gain, then the lower leaf
/// number), so picking the next leaf to split costs log(leaves), not a scan of every leaf.
struct SplitQueue {
    private var heap: [(gain: Double, leaf: Int32)] = []

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    @inline(__always)
    private func above(_ a: Int, _ b: Int) -> Bool {
        heap[a].gain > heap[b].gain || (heap[a].gain == heap[b].gain && heap[a].leaf < heap[b].leaf)
    }

    mutating func push(leaf: Int, gain: Double) {
        heap.append((gain, Int32(leaf)))
        var k = heap.count - 1
        while k > 0, above(k, (k - 1) / 2) {
            heap.swapAt(k, (k - 1) / 2)
            k = (k - 1) / 2
        }
    }

    /// The best leaf, taken out; nil when none is left.
    mutating func pop() -> Int? {
        guard let top = heap.first else { return nil }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var k = 0
        while true {
            let l = 2 * k + 1, r = l + 1
            var m = k
            if l < heap.count, above(l, m) { m = l }
            if r < heap.count, above(r, m) { m = r }
            if m == k { break }
            heap.swapAt(k, m)
            k = m
        }
        return Int(top.leaf)
    }
}
