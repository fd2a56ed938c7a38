@testable import CineMeshData
@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

@Suite struct KNNTests {
    /// 3 users, 3 items, 8 ratings in one block:
    ///   u0: i0 5, i1 3, i2 4;  u1: i0 4, i1 2;  u2: i0 1, i1 5, i2 2.
    static let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 3, itemRange: 0 ..< 3,
                                   users: [0, 0, 0, 1, 1, 2, 2, 2], items: [0, 1, 2, 0, 1, 0, 1, 2], ratings: [5, 3, 4, 4, 2, 1, 5, 2])

    static func fit(_ configure: (inout KNNParameters) -> Void) -> KNNModel {
        var p = KNNParameters()
        configure(&p)
        return KNNTrainer(parameters: p).fit([block], users: 3, items: 3)
    }

    static func similarity(_ m: KNNModel, _ x: Int, _ x2: Int) -> Double? {
        similarity(m.neighbors, x, x2)
    }

    /// Item-item cosine over the users who rated both, by hand:
    ///   i0-i1: (15 + 8 + 5) / sqrt(42 x 38); i0-i2: (20 + 2) / sqrt(26 x 20); i1-i2: (12 + 10) / sqrt(34 x 20).
    @Test func cosineSimilaritiesMatchAHandComputation() throws {
        let m = Self.fit { $0.similarity = .cosine; $0.rule = .basic }
        let s01 = 28 / (42.0 * 38).squareRoot(), s02 = 22 / (26.0 * 20).squareRoot(), s12 = 22 / (34.0 * 20).squareRoot()
        #expect(abs(try #require(Self.similarity(m, 0, 1)) - s01) < 1e-12)
        #expect(abs(try #require(Self.similarity(m, 1, 0)) - s01) < 1e-12)
        #expect(abs(try #require(Self.similarity(m, 0, 2)) - s02) < 1e-12)
        #expect(abs(try #require(Self.similarity(m, 2, 1)) - s12) < 1e-12)
        // Most similar first: i2's list is i0 (0.965), then i1 (0.844).
        #expect(Array(m.neighbors.list(2).neighbors) == [0, 1])
    }

    /// msd i0-i1: 1 / ((4 + 4 + 16) / 3 + 1) = 1/9. Pearson i0-i1 is negative (-16 / sqrt(26 x 14))
    /// and so is not kept; i0-i2 over two users is exactly correlated (1).
    @Test func msdAndPearsonMatchAHandComputation() throws {
        let msd = Self.fit { $0.similarity = .msd }
        #expect(abs(try #require(Self.similarity(msd, 0, 1)) - 1.0 / 9) < 1e-12)
        let pearson = Self.fit { $0.similarity = .pearson; $0.rule = .means }
        #expect(Self.similarity(pearson, 0, 1) == nil)
        #expect(abs(try #require(Self.similarity(pearson, 0, 2)) - 1) < 1e-12)
    }

    /// pearson_baseline with zero baseline epochs (so b_u = b_i = 0 and the residual is r - 3.25):
    /// i0-i2 over u0 and u2: residuals (1.75, -2.25) and (0.75, -1.25); 4.125 / sqrt(8.125 x 2.125),
    /// shrunk by (2 - 1) / (2 - 1 + 100).
    @Test func pearsonBaselineShrinksByTheSharedCount() throws {
        let m = Self.fit { $0.baseline.epochs = 0 }
        let expected = 4.125 / (8.125 * 2.125).squareRoot() * (1.0 / 101)
        #expect(abs(try #require(Self.similarity(m, 0, 2)) - expected) < 1e-12)
    }

    /// KNNBasic for (u1, i2): u1 rated i0 (4) and i1 (2); by cosine, k 2 averages both by
    /// similarity, k 1 takes i0 alone, and min_k 3 finds too few and predicts the global mean 26/8.
    @Test func basicRuleAveragesTheKMostSimilar() {
        let s02 = 22 / (26.0 * 20).squareRoot(), s12 = 22 / (34.0 * 20).squareRoot()
        let two = Self.fit { $0.similarity = .cosine; $0.rule = .basic; $0.k = 2 }
        #expect(abs(two.predict(users: [1], items: [2])[0] - (s02 * 4 + s12 * 2) / (s02 + s12)) < 1e-12)
        let one = Self.fit { $0.similarity = .cosine; $0.rule = .basic; $0.k = 1 }
        #expect(one.predict(users: [1], items: [2])[0] == 4)
        let tooFew = Self.fit { $0.similarity = .cosine; $0.rule = .basic; $0.minK = 3 }
        #expect(tooFew.predict(users: [1], items: [2])[0] == 26.0 / 8)
        // An item or user the training data never had gets the global mean under basic.
        #expect(two.predict(users: [-1, 1], items: [2, -1]) == [26.0 / 8, 26.0 / 8])
    }

    /// KNNWithMeans for (u1, i2) by msd: mean(i2) = 3 plus the similarity-weighted deviations of
    /// u1's ratings from their items' means (i0: 4 - 10/3, i1: 2 - 10/3).
    @Test func meansRuleAddsDeviationsFromItemMeans() {
        let m = Self.fit { $0.similarity = .msd; $0.rule = .means }
        // msd i2-i0: (1 + 1) / 2 -> 1/2; i2-i1: (1 + 9) / 2 -> 1/6.
        let (s0, s1) = (0.5, 1.0 / 6)
        let expected = 3 + (s0 * (4 - 10.0 / 3) + s1 * (2 - 10.0 / 3)) / (s0 + s1)
        #expect(abs(m.predict(users: [1], items: [2])[0] - expected) < 1e-12)
    }

    /// Rows computed on any number of threads, or in separate ranges (as grid lines on workers)
    /// and merged in any order, give the same lists; and a pair's similarity is the same bits
    /// from either end.
    @Test func listsDoNotDependOnHowTheRowsAreSplit() throws {
        var c = GeneratorConfig(ratings: 4_000, users: 120, items: 90)
        c.seed = 11
        let f = try GeneratedSplit(c)
        for similarity in NeighborSimilarity.allCases {
            var p = KNNParameters()
            p.similarity = similarity
            let input = CoRatingInput(f.train, ys: f.users, userBased: false, baselines: similarity.usesBaseline ? Self.baselines(f) : nil)
            let all = SimilarityRows(input, count: f.items, parameters: p, threads: 1).lists(rows: 0 ..< f.items)
            // Each pair summed once from its lower end gives the very lists rows give.
            #expect(SimilarityRows(input, count: f.items, parameters: p, threads: 3).allLists() == all, "\(similarity): pairs once")
            #expect(SimilarityRows(input, count: f.items, parameters: p, threads: 3).lists(rows: 0 ..< f.items) == all, "\(similarity): threads")
            var parts = [0 ..< 17, 17 ..< 40, 40 ..< f.items].map { SimilarityRows(input, count: f.items, parameters: p).lists(rows: $0) }
            var rng = SeededRandom(seed: 3)
            parts.shuffle(using: &rng)
            #expect(NeighborLists.combined(parts, count: f.items) == all, "\(similarity): lines")
            for x in 0 ..< f.items {
                let l = all.list(x)
                for (x2, s) in zip(l.neighbors, l.similarities) {
                    #expect(Self.similarity(all, Int(x2), x) == s, "\(similarity): sim(\(x), \(x2)) is not symmetric")
                }
            }
            // Bounded lists are the heads of the full ones.
            p.neighbors = 12
            let bounded = SimilarityRows(input, count: f.items, parameters: p).lists(rows: 0 ..< f.items)
            for x in 0 ..< f.items { #expect(Array(bounded.list(x).neighbors) == Array(all.list(x).neighbors.prefix(12)), "\(similarity) x\(x)") }
        }
    }

    static func similarity(_ lists: NeighborLists, _ x: Int, _ x2: Int) -> Double? {
        let l = lists.list(x)
        return zip(l.neighbors, l.similarities).first { $0.0 == Int32(x2) }?.1
    }

    static func baselines(_ f: GeneratedSplit) -> CoRatingInput.Baselines {
        let b = BaselineTrainer().fit(f.train, users: f.users, items: f.items)
        return CoRatingInput.Baselines(mean: b.globalMean, x: b.itemBias, y: b.userBias)
    }

    /// The top-N path (every item's score for one user) and the single-prediction path agree,
    /// item- and user-based, for every rule.
    @Test func scoresForAUserEqualSinglePredictions() throws {
        var c = GeneratorConfig(ratings: 2_000, users: 80, items: 60)
        c.seed = 5
        let f = try GeneratedSplit(c)
        for userBased in [false, true] {
            for rule in KNNRule.allCases {
                var p = KNNParameters()
                p.userBased = userBased
                p.rule = rule
                p.k = 5
                p.minK = 2
                let m = KNNTrainer(parameters: p).fit(f.train, users: f.users, items: f.items)
                for u in [0, 7, 33] {
                    let all = m.scores(user: u)
                    let one = m.predict(users: [Int32](repeating: Int32(u), count: f.items), items: (0 ..< f.items).map { Int32($0) })
                    for i in 0 ..< f.items { #expect(abs(all[i] - one[i]) < 1e-9, "user-based \(userBased) \(rule) u\(u) i\(i)") }
                }
            }
        }
    }

    /// A bounded list keeps the most similar.
    @Test func boundedListsKeepTheMostSimilar() throws {
        let m = Self.fit { $0.similarity = .cosine; $0.neighbors = 1; $0.k = 1 }
        #expect(Array(m.neighbors.list(2).neighbors) == [0])
        #expect(Array(m.neighbors.list(0).neighbors) == [2])
    }

    /// Lists by catalog row (content neighbours) become lists by dense item: rows map through the
    /// catalog, items the catalog lacks have none, neighbours it lacks and non-positive scores go,
    /// and ties are put in the lists' order.
    @Test func catalogRowListsBecomeItemLists() {
        // Catalog rows 0, 1, 2; dense items 0 -> row 2, 1 -> row 0, 2 -> no row, 3 -> row 1.
        let byRow = ItemNeighbors(k: 3, offsets: [0, 2, 4, 6], neighbors: [2, 1, 0, 2, 1, 0], scores: [0.5, 0.5, 0.9, -0.1, 0.3, 0])
        let lists = NeighborLists(catalogNeighbors: byRow, catalogRows: [2, 0, nil, 1])
        #expect(lists.count == 4)
        #expect(Array(lists.list(0).neighbors) == [3] && Array(lists.list(0).similarities) == [Double(Float(0.3))])
        // Row 0's neighbours rows 2 and 1 (items 0 and 3) tie at 0.5: the lower item first.
        #expect(Array(lists.list(1).neighbors) == [0, 3])
        #expect(lists.list(2).neighbors.isEmpty)
        #expect(Array(lists.list(3).neighbors) == [1])
    }

    /// The coordinator's check of a grid line's lists: what a worker could send wrong is refused
    /// (nil), not trusted or crashed on; and lines put together give the lists back.
    @Test func badLineListsAreRefusedAndGoodOnesCombine() throws {
        // 4 x's; the line holds x 1 and 2: x1 -> [0 (0.9), 3 (0.5)], x2 -> [1 (0.7)].
        let good = try #require(NeighborLists(count: 4, ranges: [1 ..< 3], counts: [2, 1], neighbors: [0, 3, 1], similarities: [0.9, 0.5, 0.7]))
        #expect(Array(good.list(1).neighbors) == [0, 3] && good.list(0).neighbors.isEmpty && good.list(3).neighbors.isEmpty)
        let refused: [(String, [Range<Int>], [Int32], [Int32], [Double])] = [
            ("counts over the entries", [1 ..< 3], [2, 2], [0, 3, 1], [0.9, 0.5, 0.7]),
            ("out of order", [1 ..< 3], [2, 1], [0, 3, 1], [0.5, 0.9, 0.7]),
            ("a tie in the wrong order", [1 ..< 3], [2, 1], [3, 0, 1], [0.5, 0.5, 0.7]),
            ("a zero similarity", [1 ..< 3], [2, 1], [0, 3, 1], [0.9, 0, 0.7]),
            ("a NaN similarity", [1 ..< 3], [2, 1], [0, 3, 1], [0.9, .nan, 0.7]),
            ("a neighbour out of range", [1 ..< 3], [2, 1], [0, 4, 1], [0.9, 0.5, 0.7]),
            ("a negative count", [1 ..< 3], [-1, 1], [1], [0.7]),
            ("an x twice", [1 ..< 3, 2 ..< 3], [2, 1, 1], [0, 3, 1, 1], [0.9, 0.5, 0.7, 0.7]),
            ("an x out of range", [3 ..< 5], [0, 0], [], []),
        ]
        for (what, ranges, counts, neighbors, similarities) in refused {
            #expect(NeighborLists(count: 4, ranges: ranges, counts: counts, neighbors: neighbors, similarities: similarities) == nil, "\(what)")
        }
        let other = try #require(NeighborLists(count: 4, ranges: [0 ..< 1, 3 ..< 4], counts: [1, 1], neighbors: [1, 2], similarities: [0.9, 0.2]))
        let whole = try #require(NeighborLists.combined([good, other], count: 4))
        #expect(Array(whole.list(0).neighbors) == [1] && Array(whole.list(1).neighbors) == [0, 3] && Array(whole.list(2).neighbors) == [1]
                && Array(whole.list(3).neighbors) == [2] && whole.entries == 5)
        #expect(NeighborLists.combined([good, good], count: 4) == nil, "the same x from two lines")
    }

    /// KNNBasic with min_k 0 and no neighbour: the global mean, not 0 (Surprise divides by zero).
    @Test func basicWithMinKZeroAndNoNeighbourPredictsTheMean() {
        // min_support 4 is more than any pair of the 3 users shares: no item has a neighbour.
        let m = Self.fit { $0.similarity = .msd; $0.rule = .basic; $0.minK = 0; $0.minSupport = 4 }
        #expect(m.neighbors.entries == 0)
        #expect(m.predict(users: [1], items: [2]) == [26.0 / 8])
        #expect(m.scores(user: 1)[2] == 26.0 / 8)
    }

    /// Unbounded lists over more x's than the limit are refused with what to do; a bound lifts it.
    @Test func unboundedListsOverAHugeSideAreRefused() {
        var p = KNNParameters()
        p.userBased = true
        #expect(p.refusal(count: KNNParameters.unboundedLimit) == nil)
        #expect(p.refusal(count: KNNParameters.unboundedLimit + 1)?.contains("give --neighbors N") == true)
        p.neighbors = 200
        #expect(p.refusal(count: 10 * KNNParameters.unboundedLimit) == nil)
    }
}
