import CineMeshData
import CineMeshModel

extension NeighborLists {
    /// These item lists as an item-neighbour model's lists (`ItemNeighbors`, the content model
    /// file's): indexed by catalog row, not by dense item, so that `cinemesh similar` answers
    /// "more like this" from them as from content neighbours. `catalogRows[i]` is dense item i's
    /// catalog row; an item the catalog lacks, and a neighbour that is one, is left out.
    public func itemNeighbors(catalogRows: [Int?], catalogCount: Int) -> ItemNeighbors {
        var itemOfRow = [Int?](repeating: nil, count: catalogCount)
        for (i, row) in catalogRows.enumerated() { if let row { itemOfRow[row] = i } }
        var offsets: [UInt64] = [0], neighbors: [Int32] = [], scores: [Float] = []
        var longest = 0
        for row in 0 ..< catalogCount {
            if let i = itemOfRow[row] {
                let l = list(i)
                let before = neighbors.count
                for (n, s) in zip(l.neighbors, l.similarities) {
                    guard let r = catalogRows[Int(n)] else { continue }
                    neighbors.append(Int32(r))
                    scores.append(Float(s))
                }
                longest = Swift.max(longest, neighbors.count - before)
            }
            offsets.append(UInt64(neighbors.count))
        }
        return ItemNeighbors(k: longest, offsets: offsets, neighbors: neighbors, scores: scores)
    }

    /// Lists over the dense items from an item-neighbour model's lists (indexed by catalog row,
    /// as content neighbours are): `catalogRows[i]` is dense item i's row. Items the catalog
    /// lacks have no neighbours; only positive scores are kept, in the lists' own order.
    public init(catalogNeighbors: ItemNeighbors, catalogRows: [Int?]) {
        var itemOfRow = [Int32?](repeating: nil, count: catalogNeighbors.itemCount)
        for (i, row) in catalogRows.enumerated() { if let row, row < itemOfRow.count { itemOfRow[row] = Int32(i) } }
        var offsets = [0], neighbors: [Int32] = [], similarities: [Double] = []
        var scratch: [Entry] = []
        for row in catalogRows {
            scratch.removeAll(keepingCapacity: true)
            if let row, row < catalogNeighbors.itemCount {
                let l = catalogNeighbors.of(row)
                for (n, s) in zip(l.neighbors, l.scores) where s > 0 {
                    if let item = itemOfRow[Int(n)] { scratch.append(Entry(neighbor: item, similarity: Double(s))) }
                }
            }
            scratch.sort(by: Entry.before)
            for e in scratch {
                neighbors.append(e.neighbor)
                similarities.append(e.similarity)
            }
            offsets.append(neighbors.count)
        }
        self.init(offsets: offsets, neighbors: neighbors, similarities: similarities)
    }
}
