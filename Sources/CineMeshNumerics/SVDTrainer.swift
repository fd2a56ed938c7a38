import CineMeshData
import CineMeshModel
import Dispatch

/// Biased matrix factorization by stratified SGD in one process: epochs visit the grid's blocks in
/// the `StratifiedSchedule` order, the order distributed training uses, with the same kernel.
public struct SVDTrainer: Sendable {
    public var parameters: SVDParameters

    public init(parameters: SVDParameters) { self.parameters = parameters }

    /// Trains on `train` (one block per grid cell, row-major); reports each epoch, with test RMSE
    /// when `test` is given.
    /// `onBlock(epoch, blocksDone, blocks)` is called after every block, for progress displays.
    public func fit(_ train: [RatingBlock], grid: Grid, users: Int, items: Int, test: EvaluationSet? = nil,
                    scale: RatingScale, onEpoch: (EpochReport) -> Void = { _ in },
                    onBlock: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> BiasedFactorModel {
        let p = parameters
        guard p.factors >= 1 && p.factors <= 1024, p.epochs >= 0 else {
            throw DataError(.usage, "factors must be 1-1024 and epochs >= 0")
        }
        guard train.count == grid.blockCount else { throw DataError(.usage, "expected \(grid.blockCount) training blocks, got \(train.count)") }
        let n = train.reduce(0) { $0 + $1.count }
        var model = Self.initialModel(p, train: train, users: users, items: items)
        let schedule = StratifiedSchedule(grid: grid, seed: p.seed)
        var stopper = EarlyStopping(patience: p.earlyStoppingPatience)
        for epoch in 0 ..< p.epochs {
            let started = monotonicSeconds()
            let steps = SGDSteps(p, epoch: epoch)
            var squared = 0.0
            var done = 0
            for stratum in schedule.strata(epoch: epoch) {
                // The blocks of a stratum share no user or item rows: they run at once and give the
                // same bits as in sequence; their losses are added in stratum order.
                let losses = Self.sweepInParallel(stratum.map { train[$0.row * grid.columns + $0.column] }, &model, steps: steps)
                for loss in losses {
                    squared += loss
                    done += 1
                    onBlock(epoch + 1, done, grid.blockCount)
                }
            }
            let sweepSeconds = monotonicSeconds() - started
            let trainRMSE = n > 0 ? (squared / Double(n)).squareRoot() : 0
            guard trainRMSE.isFinite else {
                throw DataError(.usage, "training diverged in epoch \(epoch + 1) (training RMSE is \(trainRMSE)); lower the learning rate")
            }
            let testRMSE = test.map { $0.errors(of: model, scale: scale).rmse }
            onEpoch(EpochReport(epoch: epoch + 1, trainRMSE: trainRMSE, testRMSE: testRMSE, seconds: sweepSeconds,
                                evaluationSeconds: monotonicSeconds() - started - sweepSeconds))
            if stopper.shouldStop(after: model, testRMSE: testRMSE) { break }
        }
        return stopper.best ?? model
    }

    /// The model before the first epoch: the training mean (`GlobalMean`), zero biases, factors
    /// drawn per row from the seed. Distributed training starts from the same bits.
    public static func initialModel(_ p: SVDParameters, train: [RatingBlock], users: Int, items: Int) -> BiasedFactorModel {
        BiasedFactorModel(
            globalMean: GlobalMean.of(train),
            users: .normal(rows: users, factors: p.factors, mean: p.initMean, std: p.initStd, seed: p.seed, salt: 1),
            items: .normal(rows: items, factors: p.factors, mean: p.initMean, std: p.initStd, seed: p.seed, salt: 2))
    }

    /// Sweeps conflict-free blocks on every core; returns each block's loss in input order.
    static func sweepInParallel(_ blocks: [RatingBlock], _ model: inout BiasedFactorModel, steps: SGDSteps) -> [Double] {
        var losses = [Double](repeating: 0, count: blocks.count)
        let mean = model.globalMean, stride = model.users.stride
        model.users.values.withUnsafeMutableBufferPointer { p in
            model.items.values.withUnsafeMutableBufferPointer { q in
                model.userBias.withUnsafeMutableBufferPointer { bu in
                    model.itemBias.withUnsafeMutableBufferPointer { bi in
                        losses.withUnsafeMutableBufferPointer { out in
                            let rows = SGDBlockKernel.Rows(userRows: p.baseAddress!, itemRows: q.baseAddress!, userBias: bu.baseAddress!,
                                                           itemBias: bi.baseAddress!, userBase: 0, itemBase: 0, stride: stride)
                            let shared = UnsafeSendable((rows, out.baseAddress!))
                            DispatchQueue.concurrentPerform(iterations: blocks.count) { j in
                                let (rows, out) = shared.value
                                out[j] = SGDBlockKernel.sweep(blocks[j], rows: rows, mean: mean, steps: steps)
                            }
                        }
                    }
                }
            }
        }
        return losses
    }
}
