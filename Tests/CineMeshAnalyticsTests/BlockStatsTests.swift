import CineMeshAnalytics
import CineMeshData
import Testing

@Suite struct BlockStatsTests {
    func block(_ r: Int, _ c: Int, users: [UInt32], items: [UInt32], ratings: [Float]) -> RatingBlock {
        RatingBlock(row: r, column: c, userRange: 0 ..< 10, itemRange: 0 ..< 10, users: users, items: items, ratings: ratings, timestamps: [])
    }

    @Test func momentsOfAHandComputedBlock() {
        let bins = RatingBins(scale: .oneToFive)
        let s = BlockStats(block: block(0, 0, users: [1, 1, 2, 9], items: [3, 4, 3, 3], ratings: [1, 5, 4, 4]), bins: bins)
        #expect(s.moments.count == 4)
        #expect(s.moments.sum == 14)
        #expect(s.moments.sumOfSquares == 1 + 25 + 16 + 16)
        #expect(s.moments.min == 1 && s.moments.max == 5)
        #expect(s.moments.histogram == [1, 0, 0, 2, 1])
        #expect(s.distinctUsers == 3 && s.distinctItems == 2)
        #expect(s.moments.mean == 3.5)
        #expect(abs(s.moments.standardDeviation! - (58.0 / 4 - 12.25).squareRoot()) < 1e-12)
    }

    @Test func binsFollowTheScale() {
        let half = RatingBins(scale: .halfStars)
        #expect(half.count == 10)
        #expect(half.index(of: 0.5) == 0 && half.index(of: 5) == 9 && half.index(of: 3.5) == 6)
        let continuous = RatingBins(scale: RatingScale(min: 0, max: 10))
        #expect(continuous.count == 10)
        #expect(continuous.index(of: 10) == 9 && continuous.index(of: 0) == 0 && continuous.index(of: 4.99) == 4)
    }

    @Test func mergeInAnyArrivalOrderEqualsTheRowMajorMerge() {
        let bins = RatingBins(scale: .oneToFive)
        let blocks = (0 ..< 4).map { k in
            BlockStats(block: block(k / 2, k % 2, users: [UInt32(k), 5], items: [1, UInt32(k)], ratings: [Float(k % 5 + 1), 0.1 * Float(k) + 1]), bins: bins)
        }
        let a = DatasetStats(dataset: "d", scale: .oneToFive, users: 10, items: 10, blocks: blocks)
        let b = DatasetStats(dataset: "d", scale: .oneToFive, users: 10, items: 10, blocks: blocks.reversed())
        #expect(a == b)
        #expect(a.total.count == 8)
        #expect(a.blocks.map(\.row) == [0, 0, 1, 1])
    }

    @Test func emptyBlockHasNoExtremes() {
        let s = BlockStats(block: block(0, 0, users: [], items: [], ratings: []), bins: RatingBins(scale: .oneToFive))
        #expect(s.moments.count == 0 && s.moments.min == nil && s.moments.mean == nil)
        var m = RatingMoments(binCount: 5)
        m.merge(s.moments)
        #expect(m.min == nil)
    }
}
