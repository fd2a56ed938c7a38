/// A binary tree on binned features, stored as LightGBM stores one: arrays of internal nodes
/// (node 0 the root) and of leaves. A node sends a row left when its feature's bin is at most
/// `splitBin` (on raw values: the value is at most `threshold`, that bin's upper bound); a child
/// of 0 or more is a node, a negative child `c` is the leaf `~c`.
///
/// A tree grows by splitting a leaf: the leaf keeps its number for the left side and the right
/// side is a new leaf, numbered last (LightGBM's `Tree::Split`).
public struct RegressionTree: Sendable, Codable, Equatable {
    public private(set) var splitFeature: [Int32] = []
    public private(set) var splitBin: [UInt8] = []
    public private(set) var threshold: [Double] = []
    /// The split's gain, for the importance of its feature.
    public private(set) var splitGain: [Double] = []
    public private(set) var leftChild: [Int32] = []
    public private(set) var rightChild: [Int32] = []
    public internal(set) var leafValue: [Double]
    /// Each leaf's parent node (-1 for a lone root).
    private var leafParent: [Int32]

    /// A tree of one leaf.
    public init(value: Double = 0) {
        leafValue = [value]
        leafParent = [-1]
    }

    public var leafCount: Int { leafValue.count }

    /// Splits leaf `leaf`; returns the right side's new leaf number (the left keeps `leaf`).
    @discardableResult
    public mutating func split(leaf: Int, feature: Int, bin: Int, threshold: Double, gain: Double, left: Double, right: Double) -> Int {
        let node = Int32(splitFeature.count), newLeaf = leafValue.count
        let parent = Int(leafParent[leaf])
        if parent >= 0 {
            if leftChild[parent] == ~Int32(leaf) { leftChild[parent] = node } else { rightChild[parent] = node }
        }
        splitFeature.append(Int32(feature))
        splitBin.append(UInt8(bin))
        self.threshold.append(threshold)
        splitGain.append(gain)
        leftChild.append(~Int32(leaf))
        rightChild.append(~Int32(newLeaf))
        leafParent[leaf] = node
        leafParent.append(node)
        leafValue[leaf] = left
        leafValue.append(right)
        return newLeaf
    }

    /// The leaf of a row of raw features (`row[f]` is feature f).
    @inline(__always)
    public func leaf(_ row: UnsafePointer<Float>) -> Int {
        descend { Double(row[Int(splitFeature[$0])]) <= threshold[$0] }
    }

    /// The leaf of row `row` of `matrix`.
    @inline(__always)
    public func leaf(_ matrix: BinMatrix, row: Int) -> Int {
        descend { matrix.bin(row: row, feature: Int(splitFeature[$0])) <= splitBin[$0] }
    }

    /// From the root down, left where `goesLeft(node)`, to a leaf.
    @inline(__always)
    func descend(_ goesLeft: (Int) -> Bool) -> Int {
        guard !splitFeature.isEmpty else { return 0 }
        var node: Int32 = 0
        while node >= 0 {
            let n = Int(node)
            node = goesLeft(n) ? leftChild[n] : rightChild[n]
        }
        return Int(~node)
    }

    /// Multiplies every leaf value (boosting's learning rate).
    public mutating func scale(by factor: Double) {
        for k in leafValue.indices { leafValue[k] *= factor }
    }
}
