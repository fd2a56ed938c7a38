import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshServing
import CineMeshStore
import Foundation
import Logging
import Testing

/// The serving model and hot swaps, without HTTP: a tiny hand-made model with known answers.
@Suite struct ServingModelTests {
    /// 3 users x 4 items, 2 factors; user 0 rated items 0 and 1.
    func file(itemScale: Float = 1, algorithm: String = "svd", hyperparameters: ModelFile.Metadata.Hyperparameters = .svd(SVDParameters())) throws -> ModelFile {
        var users = FactorMatrix(rows: 3, factors: 2), items = FactorMatrix(rows: 4, factors: 2)
        for (r, v) in [[1, 0], [0, 1], [1, 1]].enumerated() { users[r, 0] = Float(v[0]); users[r, 1] = Float(v[1]) }
        for (r, v) in [[3, 0], [2, 0], [1, 0], [0, 1]].enumerated() { items[r, 0] = Float(v[0]) * itemScale; items[r, 1] = Float(v[1]) * itemScale }
        let model = BiasedFactorModel(globalMean: 3, users: users, items: items)
        let train = [RatingBlock(row: 0, column: 0, userRange: 0 ..< 3, itemRange: 0 ..< 4, users: [0, 0], items: [0, 1], ratings: [5, 4], timestamps: [])]
        let metadata = ModelFile.Metadata(algorithm: algorithm, hyperparameters: hyperparameters, epochs: [], metrics: ["rmse": 1],
                                          dataset: "tiny", datasetContentHash: "0", ratingScale: .oneToFive)
        let catalog = ColumnTable(columns: [.init("item", .string(["a", "b", "c", "d"])), .init("title", .string(["A", "B", "C", "D"])),
                                            .init("genres", .stringList([["Drama"], ["Comedy"], ["Drama"], ["Comedy", "Drama"]])),
                                            .init("year", .int([1990, 2001, nil, 2010])),
                                            .init("countries", .stringList([["France"], ["France", "Japan"], [], ["Japan"]]))])
        return ModelFile(metadata: metadata, model: model, users: IdMap(ids: ["u0", "u1", "u2"].map(ExternalId.init)),
                         items: IdMap(ids: ["a", "b", "c", "d"].map(ExternalId.init)),
                         catalog: catalog, seen: train)
    }

    @Test func recommendsUnseenItemsByScoreWithGenreFilters() throws {
        let m = ServingModel(version: 7, file: try file())
        let u = try #require(m.user("u0"))
        #expect(m.recommend(user: u, n: 10, includeSeen: false, filter: ItemFilter()).map { m.itemId($0.item) } == ["c", "d"])
        #expect(m.recommend(user: u, n: 2, includeSeen: true, filter: ItemFilter()).map { m.itemId($0.item) } == ["a", "b"])
        #expect(m.recommend(user: u, n: 10, includeSeen: true, filter: ItemFilter(genre: "Comedy")).map { m.itemId($0.item) } == ["b", "d"])
        #expect(m.recommend(user: u, n: 10, includeSeen: true, filter: ItemFilter(yearFrom: 1995)).map { m.itemId($0.item) } == ["b", "d"])
        #expect(m.recommend(user: u, n: 10, includeSeen: true, filter: ItemFilter(yearFrom: 1990, yearTo: 2001)).map { m.itemId($0.item) } == ["a", "b"])
        #expect(m.recommend(user: u, n: 10, includeSeen: true, filter: ItemFilter(country: "Japan", yearTo: 2005)).map { m.itemId($0.item) } == ["b"])
        #expect(m.recommend(user: u, n: 10, includeSeen: false, filter: ItemFilter(genre: "Drama", country: "France")).isEmpty)
        #expect(m.titles == ["A", "B", "C", "D"])
        #expect(m.predict(user: u, item: 0) == 5)   // 3 + 3 = 6, clipped to the scale
    }

    @Test func foldInRecoversAKnownUserFromTheirRatings() throws {
        let m = ServingModel(version: 1, file: try file())
        // Someone who loves item a and hates item d looks like user u0 (factor 1 on the first axis).
        let folded = try #require(m.foldIn([(0, 5), (3, 1)], lambda: 0.01))
        #expect(folded.row[0] > 0.3 && folded.row[1] < 0)
        let top = m.recommend(folded: folded, n: 2, filter: ItemFilter())
        #expect(top.map { m.itemId($0.item) } == ["b", "c"])
        #expect(m.because(user: [0, 3], item: 1) == [0, 3])
    }

    @Test func similarItemsByCosine() throws {
        let m = ServingModel(version: 1, file: try file())
        let similar = m.similar(item: try #require(m.item("a")), n: 3)
        #expect(similar.map { m.itemId($0.item) } == ["b", "c", "d"])
        #expect(similar[0].score == 1 && similar[2].score == 0)
    }

    @Test func aDamagedNewVersionIsRefusedAndTheCurrentOneKeepsServing() throws {
        let dir = "/tmp/cinemesh-serving-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        let store = try ModelStore(directory: dir)
        let holder = ModelHolder()
        let logger = Logger(label: "test")
        holder.refresh(from: store, logger: logger)
        #expect(holder.current == nil)
        try store.publish(try file())
        holder.refresh(from: store, logger: logger)
        #expect(holder.current?.version == 1)
        let v2 = try store.publish(try file(itemScale: 2))
        // Damage version 2 before the holder sees it.
        let path = FileSystem.join(dir, v2.file)
        var bytes = try FileSystem.readAll(path)
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        holder.refresh(from: store, logger: logger)
        #expect(holder.current?.version == 1)
        #expect(holder.swaps == 1)
        try store.publish(try file(itemScale: 3))
        holder.refresh(from: store, logger: logger)
        #expect(holder.current?.version == 3)
    }
}

@testable import CineMeshServing

extension ServingModelTests {
    @Test func theHandWrittenAnswerIsWhatJSONEncoderWouldWrite() throws {
        let picks = Picks(model: "tiny/svd", modelVersion: 3, user: "u\"1\\", item: nil, items: [
            .init(rank: 1, item: "a\nb", title: "Tab\there \u{1}", year: 1999, genres: ["Drama", "Ünïcode"], score: 4.702511,
                  because: [.init(item: "x", title: nil), .init(item: "y", title: "Y")]),
            .init(rank: 2, item: "c", title: nil, year: nil, genres: [], score: -0.5, because: nil),
        ])
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try JSONSerialization.jsonObject(with: try encoder.encode(picks)) as! NSDictionary
        let written = try JSONSerialization.jsonObject(with: Data(picks.json.utf8)) as! NSDictionary
        #expect(written == expected)
        #expect(picks.json == String(decoding: try encoder.encode(picks), as: UTF8.self))
    }
}

extension ServingModelTests {
    @Test func reportedScoresAreRatingsOnTheScaleRankedByTheUnclippedScore() throws {
        // User u0 scores a, b, c, d at 3 + 2 x (3, 2, 1, 0): 9, 7, 5, 3 on a 1-5 scale.
        let m = ServingModel(version: 1, file: try file(itemScale: 2))
        let u = try #require(m.user("u0"))
        let top = m.recommend(user: u, n: 4, includeSeen: true, filter: ItemFilter())
        #expect(top.map(\.score) == [9, 7, 5, 3])
        let picks = Pick.list(m, top)
        #expect(picks.map(\.item) == ["a", "b", "c", "d"] && picks.map(\.score) == [5, 5, 5, 3])
        #expect(Pick.list(m, m.popular.map { ($0.item, $0.score) }).allSatisfy { (1 ... 5).contains($0.score) })
        // Cosine similarities are no ratings: 0 stays 0.
        #expect(Pick.list(m, m.similar(item: 0, n: 3), cosine: true).last?.score == 0)
        // Nor are an implicit model's preferences.
        let implicit = ServingModel(version: 1, file: try file(itemScale: 2, algorithm: "als-implicit", hyperparameters: .alsImplicit(ImplicitALSParameters())))
        #expect(Pick.list(implicit, top).map(\.score) == [9, 7, 5, 3])
    }
}
