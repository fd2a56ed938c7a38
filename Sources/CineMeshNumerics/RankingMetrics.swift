/// Top-k recommendation quality with binary relevance, averaged over users that have at least one
/// relevant item (others are skipped). Formulas in docs/METRICS.md.
public struct RankingMetrics: Sendable, Equatable {
    /// Users with at least one relevant item.
    public var users: Int
    public var k: Int
    /// Mean of hits / k.
    public var precision: Double
    /// Mean of hits / |relevant|.
    public var recall: Double
    /// Mean of DCG / IDCG with gains 1 / log2(position + 1), IDCG over min(|relevant|, k) hits.
    public var ndcg: Double
    /// Mean of AP@k = (1 / min(|relevant|, k)) x sum over hit positions i of precision@i.
    public var map: Double
    /// Fraction of users with at least one hit.
    public var hitRate: Double
    /// Distinct items in any user's top k (skipped users included) / catalog size.
    public var coverage: Double

    /// `recommendations[u]` is user u's ranked list (its first k count); `relevant[u]` the user's
    /// held-out relevant items.
    public init(recommendations: [[Int]], relevant: [[Int]], k: Int, catalogSize: Int) {
        precondition(recommendations.count == relevant.count && k >= 1)
        self.k = k
        var evaluated = 0
        var sums = (precision: 0.0, recall: 0.0, ndcg: 0.0, map: 0.0, hits: 0.0)
        var shown = Set<Int>()
        for u in recommendations.indices {
            let top = recommendations[u].prefix(k)
            shown.formUnion(top)
            let rel = Set(relevant[u])
            if rel.isEmpty { continue }
            evaluated += 1
            var hits = 0, dcg = 0.0, ap = 0.0
            for (position, item) in top.enumerated() where rel.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(position + 2))
                ap += Double(hits) / Double(position + 1)
            }
            let ideal = min(rel.count, k)
            var idcg = 0.0
            for position in 0 ..< ideal { idcg += 1 / log2(Double(position + 2)) }
            sums.precision += Double(hits) / Double(k)
            sums.recall += Double(hits) / Double(rel.count)
            sums.ndcg += dcg / idcg
            sums.map += ap / Double(ideal)
            sums.hits += hits > 0 ? 1 : 0
        }
        users = evaluated
        let m = Double(max(evaluated, 1))
        precision = sums.precision / m
        recall = sums.recall / m
        ndcg = sums.ndcg / m
        map = sums.map / m
        hitRate = sums.hits / m
        coverage = catalogSize > 0 ? Double(shown.count) / Double(catalogSize) : 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
