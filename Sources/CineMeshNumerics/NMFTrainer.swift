import CineMeshData
import CineMeshModel

/// Non-negative matrix factorization as Surprise's `NMF` trains it. Each epoch sums, over every
/// training rating, q_i[f] * r and q_i[f] * est per user and factor, and p_u[f] * r and p_u[f] *
/// est per item, all from the factors the epoch started with; then every user factor becomes
/// p_u[f] * num / (denom + n_u * reg_pu * p_u[f]) and every item factor likewise with n_i and
/// reg_qi (a factor at zero stays zero, as in Surprise). Factors start non-negative and the
/// update multiplies them by non-negative ratios, so they stay non-negative for ratings >= 0.
///
/// The sums are taken per block (`NMFBlockSums`) and added in (row, column) block order, so the
/// cluster, which sums blocks on workers and adds them in that order, gets the same bits.
///
/// The model it returns predicts as Surprise's NMF does. Unbiased, a known user and item get
/// p_u . q_i: the model keeps mean = the training mean and b_i = -mean for every item with a
/// training rating (mean + 0 - mean is exactly 0), so that an item without any (its factors
/// zero, b_i = 0) is predicted at the mean, Surprise's answer for an unknown item. Biased, it is
/// mean + b_u + b_i + p_u . q_i, the biases learned by SGD.
public struct NMFTrainer: Sendable {
    public var parameters: NMFParameters

    public init(parameters: NMFParameters) { self.parameters = parameters }

    /// What an NMF run starts from: the blocks in (row, column) order, each row's training rating
    /// count, and the initial model.
    public struct Start: Sendable {
        public var blocks: [RatingBlock]
        public var userCounts: [Int32]
        public var itemCounts: [Int32]
        public var model: BiasedFactorModel
    }

    /// The start of a run on `train`: the one process and the cluster's coordinator both begin here.
    public static func start(_ parameters: NMFParameters, train: [RatingBlock], users: Int, items: Int) -> Start {
        let blocks = train.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        var userCounts = [Int32](repeating: 0, count: users), itemCounts = [Int32](repeating: 0, count: items)
        for b in blocks {
            for u in b.users { userCounts[Int(u)] += 1 }
            for i in b.items { itemCounts[Int(i)] += 1 }
        }
        let p = parameters, scale = p.initHigh - p.initLow
        func initial(_ rows: Int, salt: UInt64) -> FactorMatrix {
            var m = FactorMatrix.uniform(rows: rows, factors: p.factors, scale: scale, seed: p.seed, salt: salt)
            if p.initLow != 0 {
                for r in 0 ..< rows { for f in 0 ..< p.factors { m[r, f] += p.initLow } }
            }
            return m
        }
        let mean = BaselineTrainer.mean(blocks)
        var model = BiasedFactorModel(globalMean: mean, users: initial(users, salt: 1), items: initial(items, salt: 2))
        if !p.biased {
            for i in 0 ..< items where itemCounts[i] > 0 { model.itemBias[i] = -mean }
        }
        return Start(blocks: blocks, userCounts: userCounts, itemCounts: itemCounts, model: model)
    }

    /// Trains on `train`, reporting each epoch: the training RMSE of the estimates the epoch's
    /// sums used (the model it started from) and the held-out RMSE after it.
    public func fit(_ train: [RatingBlock], users: Int, items: Int, test: EvaluationSet? = nil, scale: RatingScale,
                    onEpoch: (EpochReport) -> Void = { _ in }) throws -> BiasedFactorModel {
        let p = parameters
        guard (1 ... 1024).contains(p.factors), p.epochs >= 0, p.regUser >= 0, p.regItem >= 0, p.initLow >= 0, p.initHigh > p.initLow else {
            throw DataError(.usage, "NMF needs 1-1024 factors, epochs >= 0, reg >= 0 and 0 <= init_low < init_high")
        }
        var s = Self.start(p, train: train, users: users, items: items)
        let n = s.blocks.reduce(0) { $0 + $1.count }
        for epoch in 0 ..< p.epochs {
            let started = monotonicSeconds()
            let stride = s.model.users.stride
            var totals = NMFEpochTotals(users: users, items: items, stride: stride)
            var userBias = s.model.userBias, itemBias = s.model.itemBias
            s.model.users.values.withUnsafeBufferPointer { pu in
                s.model.items.values.withUnsafeBufferPointer { qi in
                    userBias.withUnsafeMutableBufferPointer { bu in
                        itemBias.withUnsafeMutableBufferPointer { bi in
                            let step = p.biased ? NMFBiasStep(mean: Double(s.model.globalMean), userBias: bu.baseAddress!, itemBias: bi.baseAddress!,
                                                              parameters: p) : nil
                            for b in s.blocks {
                                var sums = NMFBlockSums(stride: stride, userRange: b.userRange, itemRange: b.itemRange)
                                sums.accumulate(b, userRows: pu.baseAddress! + Int(b.userRange.lowerBound) * stride,
                                                itemRows: qi.baseAddress! + Int(b.itemRange.lowerBound) * stride, biases: step)
                                totals.add(sums)
                            }
                        }
                    }
                }
            }
            s.model.userBias = userBias
            s.model.itemBias = itemBias
            totals.apply(to: &s.model, userCounts: s.userCounts, itemCounts: s.itemCounts, parameters: p)
            let sweep = monotonicSeconds() - started
            let testRMSE = test.map { $0.errors(of: s.model, scale: scale).rmse }
            onEpoch(EpochReport(epoch: epoch + 1, trainRMSE: n > 0 ? (totals.squaredError / Double(n)).squareRoot() : 0, testRMSE: testRMSE,
                                seconds: sweep, evaluationSeconds: monotonicSeconds() - started - sweep))
        }
        return s.model
    }

    /// The multiplicative update of one side's rows from its totals (rows of `matrix.stride`
    /// doubles, like `NMFBlockSums`'): row x with n = counts[x]
    /// ratings gets factor f times num / (denom + n * reg * factor). A factor at zero, or whose
    /// denominator is zero, stays as it is; a row without ratings is set to zero (it predicts
    /// from the biases alone, as Surprise predicts for what it never saw).
    public static func update(_ matrix: inout FactorMatrix, numerator: [Double], denominator: [Double], counts: [Int32], reg: Double) {
        let k = matrix.factors, stride = matrix.stride
        precondition(numerator.count == matrix.rows * stride && denominator.count == numerator.count && counts.count == matrix.rows)
        matrix.values.withUnsafeMutableBufferPointer { v in
            for x in 0 ..< matrix.rows {
                let row = v.baseAddress! + x * stride
                guard counts[x] > 0 else {
                    for f in 0 ..< k { row[f] = 0 }
                    continue
                }
                let n = Double(counts[x])
                for f in 0 ..< k {
                    let old = Double(row[f])
                    let denom = denominator[x * stride + f] + n * reg * old
                    guard old != 0, denom != 0 else { continue }
                    row[f] = Float(old * (numerator[x * stride + f] / denom))
                }
            }
        }
    }
}

/// An epoch's sums over every user and item, added block by block in (row, column) order.
public struct NMFEpochTotals: Sendable {
    public var userNumerator: [Double]
    public var userDenominator: [Double]
    public var itemNumerator: [Double]
    public var itemDenominator: [Double]
    public var squaredError = 0.0

    /// Zero totals for rows of `stride` doubles.
    public init(users: Int, items: Int, stride: Int) {
        userNumerator = [Double](repeating: 0, count: users * stride)
        userDenominator = userNumerator
        itemNumerator = [Double](repeating: 0, count: items * stride)
        itemDenominator = itemNumerator
    }

    /// Adds the next block's sums (blocks must come in (row, column) order).
    public mutating func add(_ sums: NMFBlockSums) {
        sums.add(userNumerator: &userNumerator, userDenominator: &userDenominator, itemNumerator: &itemNumerator, itemDenominator: &itemDenominator)
        squaredError += sums.squaredError
    }

    /// The epoch's multiplicative update of both sides (each from the sums of the factors the
    /// epoch started with).
    public func apply(to model: inout BiasedFactorModel, userCounts: [Int32], itemCounts: [Int32], parameters p: NMFParameters) {
        NMFTrainer.update(&model.users, numerator: userNumerator, denominator: userDenominator, counts: userCounts, reg: p.regUser)
        NMFTrainer.update(&model.items, numerator: itemNumerator, denominator: itemDenominator, counts: itemCounts, reg: p.regItem)
    }
}
