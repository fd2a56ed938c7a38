import CineMeshData
@testable import CineMeshNumerics
import Testing

/// The like/dislike features: hand-computed statistics, leave-one-out on training rows, and no
/// trace of a held-out rating anywhere.
@Suite struct LikeFeaturesTests {
    func block(_ rows: [(UInt32, UInt32, Float, Int64)]) -> RatingBlock {
        RatingBlock(row: 0, column: 0, userRange: 0 ..< 3, itemRange: 0 ..< 3, users: rows.map(\.0), items: rows.map(\.1),
                    ratings: rows.map(\.2), timestamps: rows.map(\.3))
    }

    /// Items 0 and 1 are genre 0, item 2 genre 1.
    let genres: [[Int32]] = [[0], [0], [1]]

    func features(train: [(UInt32, UInt32, Float, Int64)], test: [(UInt32, UInt32, Float, Int64)]) -> LikeFeatures {
        LikeFeatures(train: [block(train)], test: [block(test)], userCount: 3, itemCount: 3, genres: genres, genreCount: 2,
                     hasTime: true, likeThreshold: 4)
    }

    let train: [(UInt32, UInt32, Float, Int64)] = [(0, 0, 5, 86_400 * 4), (0, 1, 3, 86_400 * 4 + 3600), (0, 2, 1, 86_400 * 5), (1, 0, 4, 0)]

    @Test func heldOutRowsUseTheTrainingStatistics() {
        let f = features(train: train, test: [(0, 1, 2, 86_400 * 6 + 7200)])
        #expect(f.names == ["user_ratings", "user_mean", "user_std", "item_ratings", "item_mean", "item_std", "genre_affinity",
                            "genre_share", "item_age_days", "hour", "weekday"])
        let held = Array(f.row(4))
        // User 0: 5, 3, 1 -> n 3, mean 3, std sqrt(8/3). Item 1: one rating, 3. Genre 0 for user 0:
        // 5 and 3 -> mean 4, affinity 4 - 3 = 1; share: 2 of the user's 3 ratings.
        #expect(held[0] == 3 && held[1] == 3 && abs(held[2] - (8.0 / 3.0).squareRoot()) < 1e-6)
        #expect(held[3] == 1 && held[4] == 3 && held[5] == 0)
        #expect(held[6] == 1 && abs(held[7] - 2.0 / 3.0) < 1e-6)
        // Item 1 first rated at day 4 + 1 h; this rating is day 6 + 2 h: 2 days and 1 hour later,
        // at 02:00 on a Wednesday (1970-01-07; day 0 was a Thursday).
        #expect(abs(held[8] - (2 + 1.0 / 24)) < 1e-5 && held[9] == 2 && held[10] == 2)
        #expect(f.labels == [1, 0, 0, 1, 0] && f.isTest == [false, false, false, false, true])
    }

    @Test func trainingRowsLeaveThemselvesOut() {
        let f = features(train: train, test: [])
        let first = Array(f.row(0))   // user 0 rates item 0 a 5
        // Without it, user 0 has 3 and 1 (mean 2, std 1); item 0 has user 1's 4; genre 0 has the 3.
        #expect(first[0] == 2 && first[1] == 2 && first[2] == 1)
        #expect(first[3] == 1 && first[4] == 4)
        #expect(first[6] == 1 && first[7] == 0.5)
        // User 1's only rating: no other rating, so the training mean and no spread.
        let lone = Array(f.row(3))
        #expect(lone[0] == 0 && lone[1] == 13.0 / 4.0 && lone[2] == 0 && lone[6] == 0 && lone[7] == 0)
    }

    @Test func aHeldOutRatingLeavesNoTraceInAnyFeature() {
        let test: [(UInt32, UInt32, Float, Int64)] = [(0, 1, 2, 86_400 * 6), (2, 2, 5, 86_400 * 7)]
        var changed = test
        changed[0].2 = 5
        changed[1].2 = 1
        let a = features(train: train, test: test), b = features(train: train, test: changed)
        #expect(a.values == b.values)
        #expect(a.labels != b.labels)
        // A training rating, changed, does change features.
        var other = train
        other[1].2 = 4
        #expect(features(train: other, test: test).values != a.values)
    }
}
