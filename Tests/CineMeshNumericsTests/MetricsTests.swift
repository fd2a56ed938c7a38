@testable import CineMeshNumerics
import Testing

@Suite struct MetricsTests {
    @Test func likeClassificationByHand() {
        // threshold 4: actual positives are indices 0, 1; predicted positives 0 (4.5) and 2 (4.0).
        // tp 1 (0), fp 1 (2), fn 1 (1), tn 2 (3, 4): accuracy 3/5, precision 1/2, recall 1/2, F1 1/2.
        // AUC: positive 4.5 beats all three negatives (3), positive 3.0 beats 2.0 and 1.0 (2): 5/6.
        let c = LikeClassification(ratings: [5, 4, 3, 2, 1], predictions: [4.5, 3.0, 4.0, 2.0, 1.0])
        #expect(c.count == 5 && c.positives == 2)
        #expect(abs(c.accuracy - 0.6) < 1e-12 && c.precision == 0.5 && c.recall == 0.5 && c.f1 == 0.5)
        #expect(abs(c.auc - 5.0 / 6) < 1e-12)
    }

    @Test func aucCountsTiesAsHalfAndHandlesOneClass() {
        #expect(LikeClassification(ratings: [5, 1], predictions: [3, 3]).auc == 0.5)
        // positive 3 ties negative 3 (1/2) and beats negative 1 (1): 1.5 / 2
        #expect(LikeClassification(ratings: [5, 1, 2], predictions: [3, 3, 1]).auc == 0.75)
        let onlyPositives = LikeClassification(ratings: [4, 5], predictions: [1, 2])
        #expect(onlyPositives.auc == 0.5 && onlyPositives.precision == 0 && onlyPositives.recall == 0 && onlyPositives.f1 == 0)
        #expect(LikeClassification(ratings: [], predictions: []).accuracy == 0)
    }

    @Test func rankingByHand() {
        // k = 3, catalog 10.
        // A: top 3 = [1, 2, 3], relevant {2, 4, 9}: one hit at position 2.
        //    precision 1/3, recall 1/3, DCG 1/log2(3), IDCG 1 + 1/log2(3) + 1/log2(4), AP (1/3)(1/2).
        // B: top 3 = [5, 6, 7], relevant {5}: hit at position 1: precision 1/3, recall 1, NDCG 1, AP 1.
        // C: no relevant items: skipped, but its list counts for coverage ({1,2,3,5,6,7,8} = 7/10).
        let m = RankingMetrics(recommendations: [[1, 2, 3, 4], [5, 6, 7], [8]], relevant: [[2, 4, 9], [5], []], k: 3, catalogSize: 10)
        let l3 = 1 / log2(3.0)
        #expect(m.users == 2)
        #expect(abs(m.precision - 1.0 / 3) < 1e-12)
        #expect(abs(m.recall - (1.0 / 3 + 1) / 2) < 1e-12)
        #expect(abs(m.ndcg - (l3 / (1 + l3 + 0.5) + 1) / 2) < 1e-12)
        #expect(abs(m.map - (1.0 / 6 + 1) / 2) < 1e-12)
        #expect(m.hitRate == 1)
        #expect(abs(m.coverage - 0.7) < 1e-12)
    }

    @Test func rankingWithShortListsAndMisses() {
        // k = 5 but only 2 recommended; relevant {3, 4, 5, 6, 7, 8}: hits at 1 and 2.
        // precision 2/5, recall 2/6, IDCG over min(6, 5) = 5 positions, AP (1/5)(1/1 + 2/2).
        let m = RankingMetrics(recommendations: [[3, 4], [1]], relevant: [[3, 4, 5, 6, 7, 8], [2]], k: 5, catalogSize: 4)
        let idcg = (0 ..< 5).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        #expect(abs(m.precision - (2.0 / 5 + 0) / 2) < 1e-12)
        #expect(abs(m.recall - (2.0 / 6) / 2) < 1e-12)
        #expect(abs(m.ndcg - ((1 + 1 / log2(3.0)) / idcg) / 2) < 1e-12)
        #expect(abs(m.map - (2.0 / 5) / 2) < 1e-12)
        #expect(m.hitRate == 0.5)
        #expect(m.coverage == 0.75)
    }
}

#if canImport(Glibc)
import Glibc
#endif
