import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Testing

/// The states svd and ALS jobs put in their checkpoints: every bit a resumed run depends on comes
/// back, and a state of another job's shape (or cut short) is refused.
@Suite struct TrainingCheckpointTests {
    let grid = Grid(userBoundaries: [0, 5, 10], itemBoundaries: [0, 3, 6])

    func model(factors: Int = 12, seed: UInt64) -> BiasedFactorModel {
        var m = BiasedFactorModel(globalMean: 3.25, users: .normal(rows: 10, factors: factors, mean: 0, std: 0.1, seed: seed, salt: 1),
                                  items: .normal(rows: 6, factors: factors, mean: 0, std: 0.1, seed: seed, salt: 2))
        m.userBias = (0 ..< 10).map { Float($0) * 0.01 + Float(seed) }
        m.itemBias = (0 ..< 6).map { -Float($0) * 0.03 }
        return m
    }

    let reports = [EpochReport(epoch: 1, trainRMSE: 1.0 / 3, testRMSE: 0.9, seconds: 0.5, evaluationSeconds: 0.01),
                   EpochReport(epoch: 2, trainRMSE: 0.7, testRMSE: nil, seconds: 0.4, evaluationSeconds: 0),
                   EpochReport(epoch: 3, trainRMSE: 0.6, testRMSE: 0.8500000000000001, seconds: 0.45, evaluationSeconds: 0.02)]

    func stopper() -> EarlyStopping {
        var s = EarlyStopping(patience: 2)
        for rmse in [0.9, 0.8, 0.85] { _ = s.observe(testRMSE: rmse) }
        return s
    }

    func same(_ a: EarlyStopping, _ b: EarlyStopping) -> Bool {
        a.patience == b.patience && a.progress.bestRMSE.bitPattern == b.progress.bestRMSE.bitPattern && a.progress.sinceBest == b.progress.sinceBest
            && a.best == b.best
    }

    /// No best epoch, the best epoch the checkpoint's own, an earlier one.
    @Test(arguments: [nil, 2, 0])
    func anSVDCheckpointReadsBackBitForBit(bestEpoch: Int?) throws {
        let initial = SVDCheckpoint(epochs: 0, model: FramedModel(model(seed: 1), grid: grid), reports: [], costs: [],
                                    stopper: EarlyStopping(patience: 2))
        // A model partly in frames, as workers return rows.
        let trained = FramedModel(model(seed: 1), grid: grid).replacing(rows: [nil, (FramedModel(model(seed: 9), grid: grid).userFrames(row: 1)[0],
                                                                                       FramedModel(model(seed: 9), grid: grid).userFrames(row: 1)[1])])
        let earlier = FramedModel(model(seed: 5), grid: grid)
        var cost = TrainingResult.EpochCost(seconds: 0.5, kernelSeconds: 0.3, workers: 2, coordinatorSeconds: 0.01, factorBytes: 1234)
        cost.kernelCPUSeconds = 0.29
        let written = SVDCheckpoint(epochs: 3, model: trained, reports: reports, costs: [cost, cost, cost], stopper: stopper(),
                                    best: bestEpoch.map { ($0, $0 == 2 ? trained : earlier) })
        let read = try SVDCheckpoint(decoding: try written.encoded(), initial: initial, total: 5)
        #expect(read.epochs == 3 && read.reports == reports && read.costs == written.costs)
        #expect(same(read.stopper, written.stopper))
        #expect(try read.model.assembled() == (try trained.assembled()))
        #expect(read.best?.epoch == bestEpoch)
        if let best = read.best, let expected = written.best { #expect(try best.model.assembled() == (try expected.model.assembled())) }
    }

    @Test func anSVDCheckpointOfAnotherShapeOrLengthIsRefused() throws {
        let written = try SVDCheckpoint(epochs: 3, model: FramedModel(model(seed: 1), grid: grid), reports: reports, costs: [],
                                        stopper: stopper()).encoded()
        func refusal(_ state: [UInt8], initial: BiasedFactorModel, total: Int = 5) -> String {
            let start = SVDCheckpoint(epochs: 0, model: FramedModel(initial, grid: grid), reports: [], costs: [], stopper: EarlyStopping(patience: 2))
            do {
                _ = try SVDCheckpoint(decoding: state, initial: start, total: total)
                return "read"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(written, initial: model(factors: 20, seed: 1)).contains("12 factors, mean 3.25) is not of this job (10 users, 6 items, 20 factors"))
        #expect(refusal(written, initial: model(seed: 1), total: 2).hasPrefix("svd checkpoint: 3 epochs of 2"))
        // Three reports but no costs: not what a run checkpoints.
        #expect(refusal(written, initial: model(seed: 1)).hasSuffix("not a checkpoint of this job"))
        #expect(refusal(Array(written.dropLast(5)), initial: model(seed: 1)).contains("truncated while reading item factors"))
        #expect(refusal(written + [0], initial: model(seed: 1)) == "svd checkpoint: 1 bytes left over after the state")
    }

    @Test func anALSCheckpointReadsBackBitForBit() throws {
        var s = stopper()
        _ = s.shouldStop(after: model(seed: 4), testRMSE: 0.1)   // keeps its best model
        let written = ALSCheckpoint(iterations: 3, model: model(seed: 3), reports: reports, stopper: s, stoppedEarly: true)
        let read = try ALSCheckpoint(decoding: written.encoded(), initial: model(seed: 1), patience: 2, total: 4)
        #expect(read.iterations == 3 && read.stoppedEarly && read.reports == reports && read.model == model(seed: 3))
        #expect(same(read.stopper, s) && read.stopper.best == model(seed: 4))
        let plain = ALSCheckpoint(iterations: 3, model: model(seed: 3), reports: reports, stopper: EarlyStopping(patience: nil), stoppedEarly: false)
        let again = try ALSCheckpoint(decoding: plain.encoded(), initial: model(seed: 1), patience: nil, total: 3)
        #expect(!again.stoppedEarly && again.stopper.best == nil && !again.stopper.hasStopped)
        #expect(throws: JobError.self) { _ = try ALSCheckpoint(decoding: plain.encoded(), initial: model(seed: 1), patience: nil, total: 2) }
    }
}
