import CineMeshData
import CineMeshModel
import Dispatch
import Foundation

/// Cosine top-K neighbours of every row of L2-normalized sparse vectors, by an inverted index:
/// for row `i`, each of its terms walks the list of rows holding that term (the transpose) and adds
/// the product to a dense accumulator, so only rows sharing a term with `i` are touched. A thread
/// takes a range of rows with its own accumulator, touched list and heap, allocated once: the loop
/// over rows allocates nothing. Each row's sums are taken in the same order on any number of
/// threads, so the lists are the same bits whatever the parallelism.
public enum CosineNeighbors {
    /// The `k` most similar other rows of every row (similarity above 0 only), best first, the
    /// smaller index first on equal scores. `rows` must be L2-normalized (as `TfidfMatrix` makes them).
    public static func topK(_ rows: SparseRows, k: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> ItemNeighbors {
        precondition(k > 0)
        let n = rows.rowCount
        let index = rows.transposed()
        var slots = [Int32](repeating: -1, count: n * k)
        var slotScores = [Float](repeating: 0, count: n * k)
        var counts = [Int](repeating: 0, count: n)
        let chunk = max(64, (n + threads * 8 - 1) / max(1, threads * 8))
        let chunks = (n + chunk - 1) / chunk
        slots.withUnsafeMutableBufferPointer { slotsBuf in
            slotScores.withUnsafeMutableBufferPointer { scoreBuf in
                counts.withUnsafeMutableBufferPointer { countBuf in
                    let out = UnsafeSendable((slotsBuf, scoreBuf, countBuf))
                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                        let (nb, sc, cn) = out.value
                        var acc = [Float](repeating: 0, count: n)
                        var touched = [Int32](repeating: 0, count: n)
                        var heap = BoundedHeap(capacity: k)
                        for i in c * chunk ..< min(n, (c + 1) * chunk) {
                            var touchedCount = 0
                            for p in rows.range(of: i) {
                                let w = rows.values[p]
                                let t = Int(rows.columns[p])
                                for q in index.range(of: t) {
                                    let j = Int(index.columns[q])
                                    if acc[j] == 0 { touched[touchedCount] = Int32(j); touchedCount += 1 }
                                    acc[j] += w * index.values[q]
                                }
                            }
                            for x in 0 ..< touchedCount {
                                let j = Int(touched[x])
                                if j != i && acc[j] > 0 { heap.offer(item: j, score: acc[j]) }
                                acc[j] = 0
                            }
                            let size = heap.size
                            cn[i] = size
                            for p in stride(from: size - 1, through: 0, by: -1) {
                                let best = heap.popWorst()
                                nb[i * k + p] = Int32(best.item)
                                sc[i * k + p] = best.score
                            }
                        }
                    }
                }
            }
        }
        var offsets = [UInt64](repeating: 0, count: n + 1)
        for i in 0 ..< n { offsets[i + 1] = offsets[i] + UInt64(counts[i]) }
        var neighbors = [Int32](), scores = [Float]()
        neighbors.reserveCapacity(Int(offsets[n]))
        scores.reserveCapacity(Int(offsets[n]))
        for i in 0 ..< n {
            neighbors.append(contentsOf: slots[i * k ..< i * k + counts[i]])
            scores.append(contentsOf: slotScores[i * k ..< i * k + counts[i]])
        }
        return ItemNeighbors(k: k, offsets: offsets, neighbors: neighbors, scores: scores)
    }
}
