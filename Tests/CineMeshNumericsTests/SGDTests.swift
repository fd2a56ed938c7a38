@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct SGDKernelTests {
    /// One update of Surprise's rule, computed by hand.
    @Test func singleUpdateMatchesHandComputation() {
        var model = BiasedFactorModel(globalMean: 3, users: FactorMatrix(rows: 1, factors: 1), items: FactorMatrix(rows: 1, factors: 1))
        model.users[0, 0] = 0.5
        model.items[0, 0] = 0.2
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 1, itemRange: 0 ..< 1, users: [0], items: [0], ratings: [4])
        var p = SVDParameters()
        p.learningRate = 0.1
        p.regularization = 0.02
        let sse = model.sgdSweep(block, steps: SGDSteps(p, epoch: 0))
        #expect(abs(sse - 0.81) < 1e-6)                       // err = 4 - (3 + 0.5 * 0.2) = 0.9
        #expect(abs(model.userBias[0] - 0.09) < 1e-6)          // 0.1 * (0.9 - 0.02 * 0)
        #expect(abs(model.itemBias[0] - 0.09) < 1e-6)
        #expect(abs(model.users[0, 0] - 0.517) < 1e-6)         // 0.5 + 0.1 * (0.9 * 0.2 - 0.02 * 0.5)
        #expect(abs(model.items[0, 0] - 0.2446) < 1e-6)        // 0.2 + 0.1 * (0.9 * 0.5 - 0.02 * 0.2)
        #expect(model.users.values[1 ..< 8].allSatisfy { $0 == 0 }, "padding must stay zero")
    }

    @Test(arguments: [(4, 4), (3, 5), (5, 2), (1, 1)])
    func scheduleVisitsEveryBlockOncePerEpochInConflictFreeStrata(rows: Int, columns: Int) {
        let grid = Grid(userBoundaries: (0 ... rows).map { UInt32($0 * 10) }, itemBoundaries: (0 ... columns).map { UInt32($0 * 10) })
        let schedule = StratifiedSchedule(grid: grid, seed: 9)
        for epoch in 0 ..< 3 {
            let strata = schedule.strata(epoch: epoch)
            let all = strata.flatMap { $0 }
            #expect(all.count == rows * columns)
            #expect(Set(all.map { $0.row * 1000 + $0.column }).count == rows * columns)
            for s in strata {
                #expect(Set(s.map(\.row)).count == s.count && Set(s.map(\.column)).count == s.count)
            }
        }
        #expect(schedule.strata(epoch: 0).map { $0.map(\.row) } == StratifiedSchedule(grid: grid, seed: 9).strata(epoch: 0).map { $0.map(\.row) })
    }

    /// Distributed training relies on the cyclic order: from one stratum to the next, across
    /// epochs too, every grid column is visited by the row before, so workers holding ranges of
    /// rows rarely pass item rows on and no epoch's start waits on the end of the one before.
    @Test func strataRunInOneCycleFromASeededStart() {
        let grid = Grid(userBoundaries: (0 ... 8).map { UInt32($0 * 10) }, itemBoundaries: (0 ... 8).map { UInt32($0 * 10) })
        let starts = Set((0 ..< 16).map { StratifiedSchedule(grid: grid, seed: UInt64($0)).strata(epoch: 0)[0][0].column })
        #expect(starts.count > 3, "the start should vary with the seed: \(starts)")
        let schedule = StratifiedSchedule(grid: grid, seed: 9)
        let sequence = (0 ..< 3).flatMap { schedule.strata(epoch: $0) }
        for (a, b) in zip(sequence, sequence.dropFirst()) {
            for (x, y) in zip(a, b) {
                #expect(y.row == x.row && y.column == (x.column + 1) % 8)
            }
        }
    }

    /// Blocks of one stratum touch disjoint rows, so any order (or parallel workers) gives the
    /// same bits: the property distributed training relies on.
    @Test func blocksOfAStratumCommuteBitwise() throws {
        var c = GeneratorConfig(ratings: 30_000)
        c.seed = 4
        let f = try GeneratedSplit(c, grid: GridShape(rows: 3, columns: 3), testFraction: 0)
        let ds = f.ds, blocks = f.train
        let stratum = StratifiedSchedule(grid: ds.grid, seed: 1).strata[1]
        var p = SVDParameters()
        p.factors = 16
        let start = BiasedFactorModel(globalMean: 3.5, users: .normal(rows: ds.manifest.users, factors: 16, mean: 0, std: 0.1, seed: 1, salt: 1),
                                      items: .normal(rows: ds.manifest.items, factors: 16, mean: 0, std: 0.1, seed: 1, salt: 2))
        var forward = start, backward = start
        for (r, col) in stratum { _ = forward.sgdSweep(blocks[r * 3 + col], steps: SGDSteps(p, epoch: 0)) }
        for (r, col) in stratum.reversed() { _ = backward.sgdSweep(blocks[r * 3 + col], steps: SGDSteps(p, epoch: 0)) }
        #expect(forward == backward)
        #expect(forward != start)
    }
}

@Suite struct TrainingTests {
    func fixture(noise: Double) throws -> GeneratedSplit {
        var c = GeneratorConfig(ratings: 80_000, users: 800, items: 500)
        c.seed = 12
        c.noise = noise
        c.step = 0
        return try GeneratedSplit(c, splitSeed: 3)
    }

    /// RMSE on the test blocks of the generator's own truth (the best any model can do).
    func truthRMSE(_ f: GeneratedSplit) -> Double {
        var se = 0.0, n = 0
        for b in f.test {
            for k in 0 ..< b.count {
                guard case .int(let u) = f.ds.users.ids[Int(b.users[k])], case .int(let i) = f.ds.items.ids[Int(b.items[k])] else { continue }
                let e = Double(b.ratings[k]) - f.truth.predict(user: Int(u) - 1, item: Int(i) - 1)
                se += e * e
                n += 1
            }
        }
        return (se / Double(n)).squareRoot()
    }

    @Test func svdRecoversPlantedFactorsToTheNoiseLevel() throws {
        let f = try fixture(noise: 0.3)
        var p = SVDParameters()
        p.factors = 8
        p.epochs = 60
        p.learningRate = 0.01
        p.regularization = 0.03
        var reports: [EpochReport] = []
        let model = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.ds.manifest.users, items: f.ds.manifest.items,
                                                      test: EvaluationSet(blocks: f.test), scale: f.ds.manifest.ratingScale) { reports.append($0) }
        let floor = truthRMSE(f)
        let baseline = PredictionErrors(model: BaselineTrainer().fit(f.train, users: f.ds.manifest.users, items: f.ds.manifest.items),
                                        blocks: f.test, scale: f.ds.manifest.ratingScale).rmse
        let rmse = PredictionErrors(model: model, blocks: f.test, scale: f.ds.manifest.ratingScale).rmse
        #expect(reports.count == 60 && reports.last!.testRMSE! == rmse)
        #expect(rmse < floor + 0.06, "test RMSE \(rmse), truth \(floor)")
        #expect(rmse < baseline - 0.1, "SVD \(rmse) should beat the baseline \(baseline) on planted factors")
        #expect(reports.last!.trainRMSE < reports.first!.trainRMSE)
    }

    /// The trainer runs each stratum's blocks on every core; the model must equal a plain
    /// sequential sweep over the same schedule, bit for bit.
    @Test func parallelStrataEqualASequentialSweep() throws {
        let f = try fixture(noise: 0.5)
        var p = SVDParameters()
        p.factors = 16
        p.epochs = 3
        p.seed = 5
        let parallel = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.users, items: f.items, scale: f.scale)
        var total = 0.0
        for b in f.train { for r in b.ratings { total += Double(r) } }
        var sequential = BiasedFactorModel(
            globalMean: Float(total / Double(f.train.reduce(0) { $0 + $1.count })),
            users: .normal(rows: f.users, factors: 16, mean: p.initMean, std: p.initStd, seed: 5, salt: 1),
            items: .normal(rows: f.items, factors: 16, mean: p.initMean, std: p.initStd, seed: 5, salt: 2))
        let schedule = StratifiedSchedule(grid: f.ds.grid, seed: 5)
        for epoch in 0 ..< 3 {
            for stratum in schedule.strata(epoch: epoch) {
                for (r, c) in stratum { _ = sequential.sgdSweep(f.train[r * f.ds.grid.columns + c], steps: SGDSteps(p, epoch: epoch)) }
            }
        }
        #expect(parallel == sequential)
    }

    @Test func trainingIsDeterministic() throws {
        let f = try fixture(noise: 0.5)
        var p = SVDParameters()
        p.factors = 12
        p.epochs = 3
        p.seed = 77
        let a = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.ds.manifest.users, items: f.ds.manifest.items, scale: f.ds.manifest.ratingScale)
        let b = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.ds.manifest.users, items: f.ds.manifest.items, scale: f.ds.manifest.ratingScale)
        #expect(a == b)
        p.seed = 78
        let c = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.ds.manifest.users, items: f.ds.manifest.items, scale: f.ds.manifest.ratingScale)
        #expect(a != c)
    }

    @Test func divergenceFailsLoudly() throws {
        let f = try fixture(noise: 0.5)
        var p = SVDParameters()
        p.factors = 8
        p.epochs = 5
        p.learningRate = 50
        let error = dataErrorOf { _ = try SVDTrainer(parameters: p).fit(f.train, grid: f.ds.grid, users: f.ds.manifest.users, items: f.ds.manifest.items, scale: f.ds.manifest.ratingScale) }
        #expect(error?.message.hasPrefix("training diverged in epoch") == true)
    }

    @Test func splitIsDeterministicAndKeepsTheGrid() throws {
        let f = try fixture(noise: 0.5)
        let total = f.train.reduce(0) { $0 + $1.count } + f.test.reduce(0) { $0 + $1.count }
        #expect(total == 80_000)
        let share = Double(f.test.reduce(0) { $0 + $1.count }) / Double(total)
        #expect(abs(share - 0.2) < 0.01)
        #expect(f.train.map(\.userRange) == f.test.map(\.userRange))
    }
}

func dataErrorOf(_ body: () throws -> Void) -> DataError? {
    do { try body() } catch let e as DataError { return e } catch { return nil }
    return nil
}

@Suite struct BaselineTests {
    /// One ALS alternation of Surprise's BaselineOnly, by hand: ratings (u0,i0)=4, (u0,i1)=2,
    /// (u1,i0)=5, mean 11/3, reg 1 on both sides.
    @Test func oneEpochMatchesHandComputation() {
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 0, 1], items: [0, 1, 0], ratings: [4, 2, 5])
        var trainer = BaselineTrainer()
        trainer.epochs = 1
        trainer.regUser = 1
        trainer.regItem = 1
        let m = trainer.fit([block], users: 2, items: 2)
        let mean: Float = 11.0 / 3
        let bi0 = ((4 - mean) + (5 - mean)) / 3, bi1 = (2 - mean) / 2
        let bu0 = ((4 - mean - bi0) + (2 - mean - bi1)) / 3, bu1 = (5 - mean - bi0) / 2
        #expect(abs(m.globalMean - mean) < 1e-6)
        #expect(abs(m.itemBias[0] - bi0) < 1e-5 && abs(m.itemBias[1] - bi1) < 1e-5)
        #expect(abs(m.userBias[0] - bu0) < 1e-5 && abs(m.userBias[1] - bu1) < 1e-5)
        #expect(abs(m.score(user: 1, item: 1) - (mean + bu1 + bi1)) < 1e-5)
    }
}
