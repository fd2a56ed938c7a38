@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct SplitTests {
    let blocks = [
        RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2,
                    users: [0, 0, 1, 1], items: [0, 1, 0, 1], ratings: [1, 2, 3, 4], timestamps: [50, 10, 7, 7]),
        RatingBlock(row: 0, column: 1, userRange: 0 ..< 2, itemRange: 2 ..< 4,
                    users: [0, 0, 1], items: [2, 3, 3], ratings: [5, 4, 3], timestamps: [30, 40, 1]),
    ]

    @Test func leaveLastTakesEachUsersLatestRatings() throws {
        let (train, test) = try RatingSplit.leaveLast(blocks, count: 2, users: 2)
        // user 0: times 50 (item 0), 10, 30, 40 (item 3) -> latest two are items 0 and 3
        // user 1: times 7 (item 0), 7 (item 1), 1 -> latest two are the tie at 7 (items 0, 1)
        let tested = Set(test.flatMap { b in (0 ..< b.count).map { "\(b.users[$0])-\(b.items[$0])" } })
        #expect(tested == ["0-0", "0-3", "1-0", "1-1"])
        #expect(train.reduce(0) { $0 + $1.count } == 3)
        #expect(train.map(\.itemRange) == blocks.map(\.itemRange))
        let (allTrain, none) = try RatingSplit.leaveLast(blocks, count: 3, users: 2)
        // K = 3: user 0 (4 ratings) sends its 3 latest to test; user 1 (exactly 3) keeps all.
        #expect(none[0].count + none[1].count == 3 && allTrain[0].count + allTrain[1].count == 4)
        var noTimes = blocks
        noTimes[0].timestamps = []
        #expect(dataErrorOf { _ = try RatingSplit.leaveLast(noTimes, count: 1, users: 2) }?.message == "a leave-last split needs timestamps, and this dataset has none")
    }

    @Test func kFoldsPartitionTheRatings() {
        var counts = 0
        var seen = Set<String>()
        for fold in 0 ..< 3 {
            let (train, test) = RatingSplit.kFold(blocks, folds: 3, fold: fold, seed: 9)
            counts += test.reduce(0) { $0 + $1.count }
            #expect(train.reduce(0) { $0 + $1.count } + test.reduce(0) { $0 + $1.count } == 7)
            for b in test { for k in 0 ..< b.count { #expect(seen.insert("\(b.users[k])-\(b.items[k])").inserted) } }
        }
        #expect(counts == 7)
    }

    @Test func earlyStoppingKeepsTheBestEpoch() throws {
        var c = GeneratorConfig(ratings: 20_000, users: 200, items: 300)
        c.seed = 3
        let f = try GeneratedSplit(c)
        let (ds, train, test) = (f.ds, f.train, f.test)
        var p = SVDParameters()
        p.factors = 50
        p.epochs = 200
        p.learningRate = 0.05
        p.regularization = 0
        p.earlyStoppingPatience = 3
        var reports: [EpochReport] = []
        let evaluation = EvaluationSet(blocks: test)
        let model = try SVDTrainer(parameters: p).fit(train, grid: ds.grid, users: ds.manifest.users, items: ds.manifest.items,
                                                      test: evaluation, scale: ds.manifest.ratingScale) { reports.append($0) }
        // Unregularized with a high rate it overfits: it must stop early, 3 epochs after the best.
        #expect(reports.count < 200)
        let best = reports.map { $0.testRMSE! }.min()!
        #expect(reports.suffix(3).allSatisfy { $0.testRMSE! >= best })
        #expect(abs(evaluation.errors(of: model, scale: ds.manifest.ratingScale).rmse - best) < 1e-9)
    }
}
