import CineMeshModel

/// The first pass of `ItemPanels.top`: keeps the n best approximate scores, which set a cutoff,
/// and every item whose approximate score reaches `cutoff` (the n-th best so far minus `margin`).
/// As the n-th best only grows, an item below the cutoff when offered is below it at the end too.
struct CandidateSearch {
    private var heap: BoundedHeap
    private let margin: Float
    /// (position, approximate score) of everything that reached the cutoff when offered.
    private(set) var candidates: [(position: Int, score: Float)] = []
    /// The n-th best approximate score minus `margin` (-infinity until n were offered).
    private(set) var cutoff = -Float.infinity

    /// `margin`: twice the bound on |approximate - exact|, so every item of the exact top n is kept.
    init(capacity: Int, margin: Float) {
        heap = BoundedHeap(capacity: capacity)
        self.margin = margin
        candidates.reserveCapacity(4 * capacity + 64)
    }

    /// Offers the lanes set in `bits` of 16 scores; lane l is position `first + l`. Positions
    /// break ties in the running heap; only the cutoff comes out of it.
    @inline(__always)
    mutating func offer(_ scores: SIMD16<Float>, bits: UInt16, first: Int) {
        var bits = bits
        while bits != 0 {
            let lane = bits.trailingZeroBitCount
            bits &= bits - 1
            let score = scores[lane]
            guard score >= cutoff else { continue }
            let at = first + lane
            candidates.append((at, score))
            if !heap.isFull || score > heap.worstScore {
                heap.offer(item: at, score: score)
                if heap.isFull { cutoff = heap.worstScore - margin }
            }
        }
    }
}
