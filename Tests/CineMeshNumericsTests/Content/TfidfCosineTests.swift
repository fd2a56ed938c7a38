@testable import CineMeshModel
@testable import CineMeshNumerics
import Testing

/// Four items, two field groups (text weight 1, genre weight 0.5); the expected numbers come from an
/// independent Python computation of the documented variant (smooth idf, raw tf, per-group L2, weight,
/// row L2), pasted here as literals.
@Suite struct TfidfCosineTests {
    static let documents = ContentDocuments(itemIds: ["A", "B", "C", "D"], tokens: [
        .text: [["space", "war", "space"], ["space", "love"], ["love", "war", "war"], ["space"]],
        .genre: [["genre:sci-fi"], ["genre:romance"], ["genre:romance"], []],
    ])

    static var weights: ContentWeights {
        var w = ContentWeights()
        w.genre = 0.5
        return w
    }

    func value(_ m: TfidfMatrix, row: Int, term: String) -> Float {
        guard let t = m.vocabulary.firstIndex(of: term) else { return 0 }
        for p in m.rows.range(of: row) where Int(m.rows.columns[p]) == t { return m.rows.values[p] }
        return 0
    }

    @Test func smoothIdfAndWeightedRows() {
        let m = TfidfMatrix(Self.documents, weights: Self.weights)
        #expect(m.vocabulary.count == 5)
        #expect(abs(m.idf[m.vocabulary.firstIndex(of: "space")!] - 1.2231436) < 1e-6)        // ln(5/4) + 1
        #expect(abs(m.idf[m.vocabulary.firstIndex(of: "genre:sci-fi")!] - 1.9162907) < 1e-6) // ln(5/2) + 1
        let expected: [(Int, String, Float)] = [
            (0, "genre:sci-fi", 0.447214), (0, "space", 0.760993), (0, "war", 0.469989),
            (1, "genre:romance", 0.447214), (1, "love", 0.695168), (1, "space", 0.562798),
            (2, "genre:romance", 0.447214), (2, "love", 0.4), (2, "war", 0.8),
            (3, "space", 1.0),
        ]
        for (row, term, v) in expected { #expect(abs(value(m, row: row, term: term) - v) < 1e-5, "\(row) \(term)") }
        #expect(m.rows.values.count == expected.count)
        for r in 0 ..< 4 {
            #expect(m.rows.columns[m.rows.range(of: r)].elementsEqual(m.rows.columns[m.rows.range(of: r)].sorted()))
        }
    }

    @Test func cosineAgreesWithHandComputed() {
        let m = TfidfMatrix(Self.documents, weights: Self.weights)
        let cosines: [[Float]] = [[1, 0.428286, 0.375991, 0.760993], [0.428286, 1, 0.478067, 0.562798],
                                  [0.375991, 0.478067, 1, 0], [0.760993, 0.562798, 0, 1]]
        for a in 0 ..< 4 {
            for b in 0 ..< 4 { #expect(abs(m.rows.dot(a, b) - cosines[a][b]) < 1e-5) }
        }
    }

    @Test func topKNeighboursBestFirstWithoutSelfOrZeros() {
        let m = TfidfMatrix(Self.documents, weights: Self.weights)
        let all = CosineNeighbors.topK(m.rows, k: 3, threads: 2)
        #expect(all.of(0).neighbors.elementsEqual([3, 1, 2]))
        #expect(all.of(1).neighbors.elementsEqual([3, 2, 0]))
        #expect(all.of(2).neighbors.elementsEqual([1, 0]))   // D shares nothing with C
        #expect(all.of(3).neighbors.elementsEqual([0, 1]))
        #expect(zip(all.of(1).scores, [0.562798, 0.478067, 0.428286] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 })
        let two = CosineNeighbors.topK(m.rows, k: 2, threads: 1)
        #expect(two.offsets == [0, 2, 4, 6, 8])
        #expect(two.of(0).neighbors.elementsEqual([3, 1]))
        #expect(two.of(2).neighbors.elementsEqual([1, 0]))
    }

    @Test func weightZeroLeavesAGroupOut() {
        var w = ContentWeights()
        w.genre = 0
        let m = TfidfMatrix(Self.documents, weights: w)
        #expect(!m.vocabulary.contains { $0.hasPrefix("genre:") })
        #expect(abs(m.rows.dot(1, 2) - 0.347584) < 1e-5)   // text only (Python: 0.34758387)
    }

    @Test func profileRecommendsByWeightedMeanLeavingRatedOut() {
        let m = TfidfMatrix(Self.documents, weights: Self.weights)
        let top = ContentProfile(rows: m.rows).recommend(items: [0, 1], ratings: [5, 1], n: 5)
        #expect(top.map(\.item) == [3, 2])
        #expect(abs(top[0].score - 0.793708) < 1e-5)
        #expect(abs(top[1].score - 0.428499) < 1e-5)
    }
}
