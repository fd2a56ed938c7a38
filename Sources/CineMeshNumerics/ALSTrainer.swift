import CineMeshData
import CineMeshModel
import Dispatch

/// Explicit ALS: alternately solves every user's factors (and bias) with the item side fixed, then
/// every item's with the user side fixed; each row is one small SPD system (`NormalEquation`).
/// A row's solution depends only on the fixed side and the row's own ratings in a fixed order, so
/// the result is the same however rows are spread over threads or workers.
public struct ALSTrainer: Sendable {
    public var parameters: ALSParameters

    public init(parameters: ALSParameters) { self.parameters = parameters }

    public func fit(_ train: [RatingBlock], users: Int, items: Int, test: EvaluationSet? = nil, scale: RatingScale,
                    onEpoch: (EpochReport) -> Void = { _ in }) throws -> BiasedFactorModel {
        let p = parameters
        guard p.factors >= 1 && p.factors <= 512, p.iterations >= 0, p.regularization >= 0 else {
            throw DataError(.usage, "ALS needs 1-512 factors, iterations >= 0 and regularization >= 0")
        }
        let byUser = RatingsByRow(train, rows: users, byUser: true)
        let byItem = RatingsByRow(train, rows: items, byUser: false)
        var model = Self.initialModel(p, byUser: byUser, users: users, items: items)
        var stopper = EarlyStopping(patience: p.earlyStoppingPatience)
        for iteration in 0 ..< p.iterations {
            let started = monotonicSeconds()
            try solve(&model.users, &model.userBias, from: byUser, fixed: model.items, fixedBias: model.itemBias, mean: model.globalMean, side: "user")
            try solve(&model.items, &model.itemBias, from: byItem, fixed: model.users, fixedBias: model.userBias, mean: model.globalMean, side: "item")
            let sweep = monotonicSeconds() - started
            let trainRMSE = Self.rmse(model, byUser)
            let testRMSE = test.map { $0.errors(of: model, scale: scale).rmse }
            onEpoch(EpochReport(epoch: iteration + 1, trainRMSE: trainRMSE, testRMSE: testRMSE, seconds: sweep,
                                evaluationSeconds: monotonicSeconds() - started - sweep))
            if stopper.shouldStop(after: model, testRMSE: testRMSE) { break }
        }
        return stopper.best ?? model
    }

    /// The model before the first iteration: the mean of the training ratings (summed in user
    /// order) when biased, zero biases, factors drawn per row from the seed.
    public static func initialModel(_ p: ALSParameters, byUser: RatingsByRow, users: Int, items: Int) -> BiasedFactorModel {
        var total = 0.0
        for r in byUser.ratings { total += Double(r) }
        let n = byUser.ratings.count
        return BiasedFactorModel(
            globalMean: p.biased && n > 0 ? Float(total / Double(n)) : 0,
            users: .normal(rows: users, factors: p.factors, mean: 0, std: p.initStd, seed: p.seed, salt: 1),
            items: .normal(rows: items, factors: p.factors, mean: 0, std: p.initStd, seed: p.seed, salt: 2))
    }

    private func solve(_ factors: inout FactorMatrix, _ bias: inout [Float], from ratings: RatingsByRow,
                       fixed: FactorMatrix, fixedBias: [Float], mean: Float, side: String) throws {
        try Self.solve(&factors.values, &bias, from: ratings, fixed: fixed.values, fixedBias: fixedBias, mean: mean,
                       stride: factors.stride, parameters: parameters, side: side, firstRow: 0)
    }

    /// Solves every row of `ratings` (a whole side, or one worker's range of it) against the fixed
    /// side, in parallel over chunks of rows: row x of `ratings` goes to `factors[x * stride...]`
    /// and `bias[x]`. `firstRow` only names rows in error messages.
    public static func solve(_ factors: inout [Float], _ bias: inout [Float], from ratings: RatingsByRow,
                             fixed: [Float], fixedBias: [Float], mean: Float, stride: Int, parameters: ALSParameters,
                             side: String, firstRow: Int) throws {
        let k = parameters.factors, biased = parameters.biased, lambda = parameters.regularization
        let biasLambda = parameters.biasRegularization ?? lambda
        let size = biased ? k + 1 : k
        let rows = ratings.rows
        let chunk = 256
        let failures = FailedRows()
        factors.withUnsafeMutableBufferPointer { out in
            bias.withUnsafeMutableBufferPointer { outBias in
                fixed.withUnsafeBufferPointer { other in
                    fixedBias.withUnsafeBufferPointer { otherBias in
                        let shared = UnsafeSendable((out, outBias, other, otherBias))
                        DispatchQueue.concurrentPerform(iterations: (rows + chunk - 1) / chunk) { c in
                            let (out, outBias, other, otherBias) = shared.value
                            var equation = NormalEquation(size: size)
                            var x = [Float](repeating: 1, count: size)
                            var solution = [Float](repeating: 0, count: size)
                            for row in c * chunk ..< min(rows, (c + 1) * chunk) {
                                equation.reset()
                                let lo = ratings.offsets[row], hi = ratings.offsets[row + 1]
                                for e in lo ..< hi {
                                    let o = Int(ratings.others[e])
                                    for f in 0 ..< k { x[f] = other[o * stride + f] }
                                    let target = Double(ratings.ratings[e] - mean - (biased ? otherBias[o] : 0))
                                    x.withUnsafeBufferPointer { equation.add($0.baseAddress!, target: target) }
                                }
                                var reg = [Double](repeating: lambda * Double(max(1, hi - lo)), count: size)
                                if biased { reg[k] = biasLambda * Double(max(1, hi - lo)) }
                                let solved = solution.withUnsafeMutableBufferPointer { equation.solve(lambda: reg, into: $0.baseAddress!) }
                                if !solved {
                                    failures.record(row)
                                    continue
                                }
                                for f in 0 ..< k { out[row * stride + f] = solution[f] }
                                if biased { outBias[row] = solution[k] }
                            }
                        }
                    }
                }
            }
        }
        if let row = failures.first {
            throw DataError(.usage, "ALS: the system of \(side) \(firstRow + row) is singular (too few ratings for \(k) factors without regularization); raise --reg or lower --factors")
        }
    }

    /// RMSE of the unclipped model on the training ratings.
    public static func rmse(_ model: BiasedFactorModel, _ byUser: RatingsByRow) -> Double {
        var se = 0.0
        for u in 0 ..< byUser.rows {
            for e in byUser.offsets[u] ..< byUser.offsets[u + 1] {
                let d = Double(byUser.ratings[e] - model.score(user: u, item: Int(byUser.others[e])))
                se += d * d
            }
        }
        return byUser.ratings.isEmpty ? 0 : (se / Double(byUser.ratings.count)).squareRoot()
    }
}

/// Rows whose system could not be solved, collected from the solver threads.
final class FailedRows: @unchecked Sendable {
    private var rows: [Int] = []
    private let lock = Lock()
    func record(_ row: Int) { lock.withLock { rows.append(row) } }
    var first: Int? { lock.withLock { rows.min() } }
}
