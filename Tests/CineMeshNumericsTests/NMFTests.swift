@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct NMFTests {
    /// 2 users, 3 items, 2 factors, 4 ratings, factors exact in binary. The expected values were
    /// computed independently in Python (float64 sums, Surprise's update formula, then rounded to
    /// float32):
    ///   est = p_u . q_i; num/denom summed over ratings; p *= num / (denom + n * 0.06 * p).
    @Test func oneEpochMatchesAHandComputation() {
        var model = BiasedFactorModel(globalMean: 0, users: FactorMatrix(rows: 2, factors: 2), items: FactorMatrix(rows: 3, factors: 2))
        let p: [[Float]] = [[0.5, 0.25], [0.125, 0.75]], q: [[Float]] = [[0.75, 0.375], [0.5, 0.625], [0.875, 0.125]]
        for (r, row) in p.enumerated() { for f in 0 ..< 2 { model.users[r, f] = row[f] } }
        for (r, row) in q.enumerated() { for f in 0 ..< 2 { model.items[r, f] = row[f] } }
        // Two blocks of a 1 x 2 grid (items 0 ..< 2 and 2 ..< 3), added in block order.
        let blocks = [
            RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 0, 1], items: [0, 1, 0], ratings: [4, 2, 5]),
            RatingBlock(row: 0, column: 1, userRange: 0 ..< 2, itemRange: 2 ..< 3, users: [1], items: [2], ratings: [3]),
        ]
        let stride = model.users.stride
        var totals = NMFEpochTotals(users: 2, items: 3, stride: stride)
        model.users.values.withUnsafeBufferPointer { pu in
            model.items.values.withUnsafeBufferPointer { qi in
                for b in blocks {
                    var sums = NMFBlockSums(stride: stride, userRange: b.userRange, itemRange: b.itemRange)
                    sums.accumulate(b, userRows: pu.baseAddress! + Int(b.userRange.lowerBound) * stride,
                                    itemRows: qi.baseAddress! + Int(b.itemRange.lowerBound) * stride)
                    totals.add(sums)
                }
            }
        }
        #expect(abs(totals.squaredError - 44.222900390625) < 1e-9)
        totals.apply(to: &model, userCounts: [2, 2], itemCounts: [2, 1, 1], parameters: NMFParameters())
        let expectedP: [[Float]] = [[3.253685712814331, 1.4955812692642212], [1.6812262535095215, 6.591394424438477]]
        let expectedQ: [[Float]] = [[5.303030490875244, 4.016913414001465], [2.1447720527648926, 2.2471909523010254],
                                    [4.212637901306152, 1.759530782699585]]
        for u in 0 ..< 2 { for f in 0 ..< 2 { #expect(abs(model.users[u, f] - expectedP[u][f]) <= 1e-6 * expectedP[u][f], "p[\(u)][\(f)]") } }
        for i in 0 ..< 3 { for f in 0 ..< 2 { #expect(abs(model.items[i, f] - expectedQ[i][f]) <= 1e-6 * expectedQ[i][f], "q[\(i)][\(f)]") } }
    }

    /// Many epochs of the multiplicative update on generated ratings: every factor stays >= 0
    /// (and finite), the training error falls, and the held-out RMSE is a sane one.
    @Test func factorsStayNonNegativeAndTheFitImproves() throws {
        var c = GeneratorConfig(ratings: 20_000, users: 300, items: 200)
        c.seed = 4
        let f = try GeneratedSplit(c)
        var parameters = NMFParameters()
        parameters.epochs = 30
        var reports: [EpochReport] = []
        let model = try NMFTrainer(parameters: parameters).fit(f.train, users: f.users, items: f.items, test: EvaluationSet(blocks: f.test),
                                                               scale: f.scale) { reports.append($0) }
        #expect(model.users.values.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(model.items.values.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(model.users.values.contains { $0 > 0 })
        #expect(reports.count == 30)
        #expect(reports.last!.trainRMSE < reports.first!.trainRMSE * 0.7, "\(reports.first!.trainRMSE) -> \(reports.last!.trainRMSE)")
        let rmse = try #require(reports.last!.testRMSE)
        #expect(rmse < 1.5, "held-out RMSE \(rmse)")
    }

    /// A known user and item predict exactly p_u . q_i (clipped); an item without training
    /// ratings predicts the training mean, as Surprise does for an unknown item.
    @Test func predictionsAreTheDotProductAndUnratedItemsTheMean() throws {
        let train = [RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 3, users: [0, 0, 1], items: [0, 1, 1], ratings: [4, 2, 3])]
        var parameters = NMFParameters()
        parameters.factors = 3
        parameters.epochs = 5
        let model = try NMFTrainer(parameters: parameters).fit(train, users: 2, items: 3, scale: RatingScale(min: 1, max: 5))
        for u in 0 ..< 2 {
            for i in 0 ..< 2 {
                var dot: Float = 0
                for f in 0 ..< 3 { dot += model.users[u, f] * model.items[i, f] }
                #expect(abs(model.score(user: u, item: i) - dot) < 1e-6)
            }
            #expect(model.score(user: u, item: 2) == 3, "unrated item 2: the mean of 4, 2 and 3")
        }
        #expect((0 ..< 3).allSatisfy { model.items[2, $0] == 0 })
    }

    /// The biased form learns biases by SGD; it also keeps its factors non-negative.
    @Test func biasedNMFLearnsBiases() throws {
        var c = GeneratorConfig(ratings: 3_000, users: 100, items: 80)
        c.seed = 2
        let f = try GeneratedSplit(c)
        var parameters = NMFParameters()
        parameters.biased = true
        parameters.epochs = 10
        let model = try NMFTrainer(parameters: parameters).fit(f.train, users: f.users, items: f.items, scale: f.scale)
        #expect(model.userBias.contains { $0 != 0 } && model.itemBias.contains { $0 != 0 })
        #expect(model.users.values.allSatisfy { $0 >= 0 } && model.items.values.allSatisfy { $0 >= 0 })
    }
}
