/// A set of items as a bitset of one 16-bit word per panel of `ItemPanels.width` items: the shape
/// `ItemPanels.top` consumes, so a filter costs one AND per 16 items and panels with no allowed
/// item are not scored at all.
public struct ItemMask: Sendable, Equatable {
    /// Items the mask ranges over (dense indices 0 ..< items).
    public let items: Int
    /// Bit `l` of word `p` is item `p * 16 + l`. Bits past `items` are always clear.
    public private(set) var words: [UInt16]

    /// The empty set over `items` items.
    public init(items: Int) {
        self.items = items
        words = [UInt16](repeating: 0, count: (items + ItemPanels.width - 1) / ItemPanels.width)
    }

    /// The set of `allowed` (indices outside 0 ..< items are ignored).
    public init<S: Sequence>(items: Int, allowing allowed: S) where S.Element == Int {
        self.init(items: items)
        for i in allowed where i >= 0 && i < items { insert(i) }
    }

    /// Every item.
    public static func all(items: Int) -> ItemMask {
        var mask = ItemMask(items: items)
        for p in mask.words.indices { mask.words[p] = validBits(panel: p, items: items) }
        return mask
    }

    /// The bits of panel `p` that name real items (all 16 but in a last, partial panel).
    static func validBits(panel p: Int, items: Int) -> UInt16 {
        let inPanel = min(ItemPanels.width, items - p * ItemPanels.width)
        return inPanel >= 16 ? .max : UInt16((1 << inPanel) - 1)
    }

    public mutating func insert(_ i: Int) {
        words[i / ItemPanels.width] |= 1 << UInt16(i % ItemPanels.width)
    }

    public func contains(_ i: Int) -> Bool {
        i >= 0 && i < items && words[i / ItemPanels.width] & (1 << UInt16(i % ItemPanels.width)) != 0
    }

    /// Items in both masks (which must range over the same items).
    public func intersection(_ other: ItemMask) -> ItemMask {
        precondition(items == other.items, "masks over \(items) and \(other.items) items")
        var out = self
        for p in out.words.indices { out.words[p] &= other.words[p] }
        return out
    }

    /// How many items the mask holds.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
