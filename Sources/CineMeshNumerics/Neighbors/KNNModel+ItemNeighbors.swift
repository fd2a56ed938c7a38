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
}
