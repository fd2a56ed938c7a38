import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshNumerics
import Testing

/// Every task kind's parameters, with random values and random (non-NaN) float bit patterns,
/// encode to fields that decode to an equal value with the same bits.
@Suite struct TaskSpecRoundTripTests {
    /// `value` through its fields and back: equal, and with the same fields (so the same bits,
    /// which `==` on floats does not see for zeros of two signs).
    func roundTrip<T: TaskSpec>(_ value: T) throws {
        let fields = value.fields
        let back = try T(fields: fields)
        #expect(back == value)
        #expect(back.fields == fields)
    }

    /// A random split, with companions or not.
    static func randomSplit() -> TaskSplit {
        let splits: [SplitSpec] = [.none, .random(testFraction: .random(in: 0.01 ... 0.9)), .leaveLast(count: .random(in: 1 ... 9)),
                                   .kFold(folds: 5, fold: .random(in: 0 ..< 5))]
        return TaskSplit(split: splits.randomElement()!, seed: .random(in: 0 ... .max), ownFiles: Bool.random() ? nil : .random(in: 1 ... 64))
    }

    @Test func baselineRows() throws {
        for _ in 0 ..< 200 {
            try roundTrip(BaselineRowsTask(side: Bool.random() ? .user : .item, index: .random(in: 0 ... 1000), split: Self.randomSplit(),
                                           mean: .randomBits(), reg: .randomBits()))
        }
    }

    @Test func nmfBlock() throws {
        for _ in 0 ..< 200 {
            try roundTrip(NMFBlockTask(row: .random(in: 0 ... 99), column: .random(in: 0 ... 99), factors: .random(in: 1 ... 64),
                                       stride: .random(in: 1 ... 64), split: Self.randomSplit()))
            let result = NMFBlockResult(squaredError: .randomBits())
            #expect(try NMFBlockResult(fields: result.fields).fields == result.fields)
        }
    }

    @Test func knnRows() throws {
        for _ in 0 ..< 200 {
            try roundTrip(KNNRowsTask(line: .random(in: 0 ... 99), xCount: .random(in: 0 ... 1 << 20), yCount: .random(in: 0 ... 1 << 20),
                                      userBased: .random(), similarity: NeighborSimilarity.allCases.randomElement()!, minSupport: .random(in: 0 ... 9),
                                      shrinkage: .randomBits(), neighbors: .random(in: 0 ... 500), split: Self.randomSplit(),
                                      mean: Bool.random() ? .randomBits() : nil))
        }
    }

    @Test func alsRows() throws {
        for _ in 0 ..< 200 {
            let solver: ALSRowsTask.Solver = Bool.random()
                ? .explicit(regBias: .randomBits(), biased: .random(), mean: .randomBits())
                : .implicit(alpha: .randomBits(), positiveThreshold: .randomBits(), cgSteps: .random(in: 0 ... 9))
            try roundTrip(ALSRowsTask(side: Bool.random() ? .user : .item, index: .random(in: 0 ... 99), stride: .random(in: 1 ... 64),
                                      factors: .random(in: 1 ... 64), reg: .randomBits(), split: Self.randomSplit(), solver: solver))
        }
    }

    /// A random optional integer.
    static func maybe(_ range: ClosedRange<Int>) -> Int? { Bool.random() ? .random(in: range) : nil }

    /// A random list of integers, maybe empty.
    static func integers() -> TaskList<Int> { TaskList<Int>((0 ..< Int.random(in: 0 ... 5)).map { _ in .random(in: 0 ... 999) }) }

    @Test func svdTasks() throws {
        for _ in 0 ..< 200 {
            let usersAfter = Self.maybe(0 ... 1 << 40), itemsAfter = Self.maybe(0 ... 1 << 40)
            try roundTrip(SVDBlockTask(row: .random(in: 0 ... 99), column: .random(in: 0 ... 99), stride: .random(in: 1 ... 64), split: Self.randomSplit(),
                                       mean: .randomBits(), lrBias: .randomBits(), lrFactors: .randomBits(), regBias: .randomBits(),
                                       regFactors: .randomBits(), biased: .random(), sequence: .random(in: 0 ... 1 << 50),
                                       users: usersAfter == nil ? .payload : .resident, usersAfter: usersAfter,
                                       items: itemsAfter == nil ? .payload : .resident, itemsAfter: itemsAfter, keepItems: .random(), returnItems: .random(),
                                       snapshot: Self.maybe(0 ... 99), itemsSnapshot: Self.maybe(0 ... 99), keepSnapshots: Bool.random() ? Self.integers() : nil))
            let scale: RatingScale = [.oneToFive, RatingScale(min: 0.5, max: 5, step: 0.5), RatingScale(min: -10, max: 10, step: nil)].randomElement()!
            try roundTrip(SVDScoreTask(epoch: .random(in: 0 ... 99), rows: Self.integers(), heldOut: Self.integers(), stride: .random(in: 1 ... 64),
                                       columns: .random(in: 1 ... 99), mean: .randomBits(), scale: TaskScale(scale), residentColumns: Self.integers()))
            try roundTrip(SVDCollectTask(row: .random(in: 0 ... 99), epoch: .random(in: 0 ... 99)))
            let result = SVDBlockResult(loss: .randomBits(), kernelMicroseconds: .random(in: 0 ... 1 << 40), kernelCPUMicroseconds: .random(in: 0 ... 1 << 40),
                                        taskMicroseconds: .random(in: 0 ... 1 << 40))
            #expect(try SVDBlockResult(fields: result.fields).fields == result.fields)
        }
    }

    /// A random rating scale.
    static func randomScale() -> TaskScale {
        TaskScale([.oneToFive, RatingScale(min: 0.5, max: 5, step: 0.5), RatingScale(min: -10, max: 10, step: nil)].randomElement()!)
    }

    @Test func statsBlock() throws {
        for _ in 0 ..< 100 {
            try roundTrip(StatsBlockTask(row: .random(in: 0 ... 99), column: .random(in: 0 ... 99), scale: Self.randomScale(),
                                         delayMilliseconds: .random(in: 0 ... 600_000)))
        }
    }

    @Test func queryBlock() throws {
        let sql = ["SELECT count(*) FROM ratings", "SELECT title, avg(rating) FROM ratings JOIN items USING (item) GROUP BY title HAVING count(*) > 3",
                   "SELECT 'a,b=c' AS odd, \"x\" FROM ratings WHERE rating >= 4.5 LIMIT 10", ""]
        for _ in 0 ..< 100 {
            try roundTrip(QueryBlockTask(sql: sql.randomElement()!, row: .random(in: 0 ... 99), column: .random(in: 0 ... 99), timestamps: .random(),
                                         tables: TaskList(["users-idmap", "items-idmap", "catalog", "tags"].filter { _ in Bool.random() }),
                                         delayMilliseconds: .random(in: 0 ... 600_000), maxRows: .random(in: 0 ... 10_000_000)))
        }
    }

    @Test func tuneTrial() throws {
        for algorithm in TrainSpec.Algorithm.allCases {
            var settings = TrainSpec.Settings()
            settings.algorithm = algorithm
            settings.learningRate = .random(in: 1e-6 ... 1)
            settings.split = .kFold(folds: 5, fold: 2)
            let trial = try TrainSpec(settings).parameters
            let task = TuneTrialTask(trial: trial, users: .random(in: 1 ... 1 << 20), items: .random(in: 1 ... 1 << 20),
                                     grid: Grid(userBoundaries: [0, 250, 500, 750, 1000], itemBoundaries: [0, 100, 400, 700]), scale: Self.randomScale())
            try roundTrip(task)
            #expect(try TuneTrialTask(fields: task.fields).spec() == TrainSpec(parameters: trial))
        }
    }
}
