/// A set of a model's items as a bitset of one 16-bit word per panel of `ItemPanels`, in the
/// panels' order: the shape `ItemPanels.top` consumes, so a filter costs one AND per 16 items and
/// panels with no allowed item are not scored at all. Made by `ItemPanels.emptyMask()` or
/// `ItemPanels.mask(allowing:)`; masks from different panels do not mix.
public struct ItemMask: Sendable {
    /// Items the mask ranges over (dense indices 0 ..< items).
    public var items: Int { positions.count }
    /// Each item's bit.
    let positions: [Int32]
    /// Bit `l` of word `p` is position `p * 16 + l`. Bits past `items` are always clear.
    private(set) var words: [UInt16]

    /// The empty set; `positions` maps each item to its bit.
    init(positions: [Int32]) {
        self.positions = positions
        words = [UInt16](repeating: 0, count: (positions.count + ItemPanels.width - 1) / ItemPanels.width)
    }

    /// The bits of panel `p` that name real items (all 16 but in a last, partial panel).
    static func validBits(panel p: Int, items: Int) -> UInt16 {
        let inPanel = min(ItemPanels.width, items - p * ItemPanels.width)
        return inPanel >= 16 ? .max : UInt16((1 << inPanel) - 1)
    }

    public mutating func insert(_ i: Int) {
        let at = Int(positions[i])
        words[at / ItemPanels.width] |= 1 << UInt16(at % ItemPanels.width)
    }

    public func contains(_ i: Int) -> Bool {
        guard i >= 0 && i < items else { return false }
        let at = Int(positions[i])
        return words[at / ItemPanels.width] & (1 << UInt16(at % ItemPanels.width)) != 0
    }

    /// Items in both masks (made by the same panels).
    public func intersection(_ other: ItemMask) -> ItemMask {
        precondition(items == other.items, "masks over \(items) and \(other.items) items")
        var out = self
        for p in out.words.indices { out.words[p] &= other.words[p] }
        return out
    }

    /// How many items the mask holds.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
