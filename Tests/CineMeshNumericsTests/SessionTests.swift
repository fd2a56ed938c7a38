@testable import CineMeshNumerics
import Testing

/// Sessions cut by a gap, and the next-item recommenders on hand-made sessions.
@Suite struct SessionTests {
    /// Sessions from (user, item, time) triples given in no particular order.
    func log(_ triples: [(UInt32, UInt32, Int64)], items: Int = 8, gap: Int64 = 1800) -> SessionLog {
        SessionLog(users: triples.map(\.0), items: triples.map(\.1), times: triples.map(\.2), itemCount: items, gap: gap)
    }

    @Test func aLongerPauseStartsASessionAndTiesGoByItem() {
        let l = log([(1, 5, 100), (0, 3, 5000), (0, 1, 0), (0, 2, 100), (0, 4, 5000), (0, 6, 6801), (1, 2, 100)])
        #expect(l.count == 4)
        #expect((0 ..< l.count).map { Array(l.session($0)) } == [[1, 2], [3, 4], [6], [2, 5]])
        #expect(l.users == [0, 0, 0, 1] && l.starts == [0, 5000, 6801, 100])
        // The latest quarter by start time is held out.
        #expect(l.split(testFraction: 0.25) == (train: [0, 1, 3], test: [2]))
    }

    /// a b c in one session, a c in another: a -> b 1, a -> c 1/2 + 1, b -> c 1.
    @Test func transitionsWeighOneOverTheirDistanceAndRecentItemsCountMore() {
        let l = log([(0, 0, 0), (0, 1, 1), (0, 2, 2), (1, 0, 0), (1, 2, 1)], items: 4)
        var rules = SequentialRules(l, training: [0, 1])
        #expect(rules.weight(from: 0, to: 1) == 1 && rules.weight(from: 0, to: 2) == 1.5 && rules.weight(from: 1, to: 2) == 1)
        #expect(rules.weight(from: 2, to: 0) == 0)
        #expect(rules.recommend(after: [0], n: 5) == [2, 1])
        // After a then b: c scores 1 (from b) + 1.5 / 2 (from a, one step back); b is in the session.
        #expect(rules.recommend(after: [0, 1], n: 5) == [2])
        #expect(rules.recommend(after: [3], n: 5) == [])
    }

    /// Past sessions {1, 2, 3}, {1, 4}, {5, 6}: after item 1 the first two are neighbours with
    /// cosine 1/sqrt(3) and 1/sqrt(2), so 4 comes first, then 2 and 3 (tie: smaller index).
    @Test func sessionKNNVotesWithTheCosineOfItemSets() {
        let l = log([(0, 1, 0), (0, 2, 1), (0, 3, 2), (1, 1, 10), (1, 4, 11), (2, 5, 20), (2, 6, 21)])
        var knn = SessionKNN(l, training: [0, 1, 2], k: 10, sampleSize: 10)
        #expect(knn.recommend(after: [1], n: 10) == [4, 2, 3])
        // One neighbour only: the most similar.
        var one = SessionKNN(l, training: [0, 1, 2], k: 1, sampleSize: 10)
        #expect(one.recommend(after: [1], n: 10) == [4])
        // A sample of one: the most recent session holding item 1.
        var recent = SessionKNN(l, training: [0, 1, 2], k: 10, sampleSize: 1)
        #expect(recent.recommend(after: [1], n: 10) == [4])
        #expect(knn.recommend(after: [7], n: 10) == [])
    }

    @Test func hitRateAndMRRCountEveryPosition() {
        // Training: item 2 in three sessions, 1 in two, 3 in one. Test session 1 -> 2 -> 3.
        let l = log([(0, 1, 0), (0, 2, 1), (1, 2, 0), (1, 1, 1), (2, 2, 0), (2, 3, 1), (3, 1, 9000), (3, 2, 9001), (3, 3, 9002)], items: 4)
        var popular = MostPopularNext(l, training: [0, 1, 2])
        #expect(popular.recommend(after: [], n: 3) == [2, 1, 3])
        let result = SessionEvaluation.run(&popular, log: l, test: [3], cutoff: 1, trainedItems: 3)
        // After 1: popular says 2 (hit, rank 1); after 1, 2: it says 3 (hit).
        #expect(result.predictions == 2 && result.hitRate == 1 && result.mrr == 1)
        let wider = SessionEvaluation.run(&popular, log: l, test: [3], cutoff: 2, trainedItems: 3)
        // It named 2 and 3, never 1 (always in the session): two of the three trained items.
        #expect(wider.hitRate == 1 && wider.coverage == 2.0 / 3.0)
    }
}
