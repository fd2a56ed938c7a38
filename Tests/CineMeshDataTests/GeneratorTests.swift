@testable import CineMeshData
import Foundation
import Testing

@Suite struct GeneratorTests {
    func config(_ n: Int = 60_000, seed: UInt64 = 5) -> GeneratorConfig {
        var c = GeneratorConfig(ratings: n)
        c.seed = seed
        return c
    }

    @Test func exactCountDistinctPairsAndDeterminism() throws {
        let a = try RatingGenerator(config: config()).generate()
        let b = try RatingGenerator(config: config()).generate()
        #expect(a.columns.count == 60_000)
        #expect(a.columns.users == b.columns.users && a.columns.items == b.columns.items)
        #expect(a.columns.ratings == b.columns.ratings && a.columns.timestamps == b.columns.timestamps)
        #expect(a.catalog == b.catalog && a.truth == b.truth)
        let pairs = Set(zip(a.columns.users, a.columns.items).map { UInt64($0) << 32 | UInt64($1) })
        #expect(pairs.count == 60_000)
        let c = try RatingGenerator(config: config(seed: 6)).generate()
        #expect(c.columns.ratings != a.columns.ratings)
    }

    @Test func powerLawActivityAndPopularity() throws {
        let g = try RatingGenerator(config: config(200_000)).generate()
        let users = DatasetBuilder.counts(g.columns.users, codes: g.config.users).map(Int.init).sorted()
        let items = DatasetBuilder.counts(g.columns.items, codes: g.config.items).map(Int.init).sorted()
        #expect(users.first! >= g.config.minRatingsPerUser)
        #expect(users.last! > 8 * users[users.count / 2], "heavy raters expected")
        #expect(items.last! > 20 * max(1, items[items.count / 2]), "blockbusters expected")
        #expect(Set(g.columns.ratings) == [1, 2, 3, 4, 5])
    }

    @Test func truthExplainsRatingsUpToNoiseAndRounding() throws {
        var c = config(100_000)
        c.noise = 0.3
        let g = try RatingGenerator(config: c).generate()
        var se = 0.0, seMean = 0.0
        let mean = g.columns.ratings.reduce(0.0) { $0 + Double($1) } / Double(g.columns.count)
        for k in 0 ..< g.columns.count {
            let r = Double(g.columns.ratings[k])
            let p = g.truth.predict(user: Int(g.columns.users[k]), item: Int(g.columns.items[k]))
            se += (r - p) * (r - p)
            seMean += (r - mean) * (r - mean)
        }
        let rmse = (se / Double(g.columns.count)).squareRoot()
        let floor = (c.noise * c.noise + 1.0 / 12).squareRoot()   // noise plus rounding to whole stars
        #expect(abs(rmse - floor) < 0.08, "truth RMSE \(rmse), expected about \(floor)")
        #expect(rmse < 0.6 * (seMean / Double(g.columns.count)).squareRoot(), "the planted model must explain most of the variance")
    }

    @Test func weekendsAndEveningsAreBusier() throws {
        let g = try RatingGenerator(config: config()).generate()
        var weekday = [Int](repeating: 0, count: 7), hour = [Int](repeating: 0, count: 24)
        for t in g.columns.timestamps {
            weekday[Int((t / 86_400 + 4) % 7)] += 1
            hour[Int(t % 86_400 / 3600)] += 1
        }
        #expect(weekday[6] > weekday[1] * 12 / 10)     // Saturday vs Monday
        #expect(hour[20] > hour[4] * 10)
    }

    @Test func catalogHasTitlesGenresCountriesYears() throws {
        let g = try RatingGenerator(config: config()).generate()
        let t = g.catalog
        #expect(t.rowCount == g.config.items)
        #expect(t.stringLists("genres")!.allSatisfy { (1 ... 3).contains($0.count) })
        #expect(Set(t.stringLists("genres")!.flatMap { $0 }).count > 10)
        #expect(t.stringLists("countries")!.allSatisfy { !$0.isEmpty })
        #expect(t.ints("year")!.allSatisfy { ($0 ?? 0) >= 1930 && ($0 ?? 0) <= 2024 })
        #expect(t.strings("title")!.contains { $0.contains(",") })
    }

    @Test func csvAndDirectDatasetAgree() throws {
        let dir = TempDir("gen")
        let g = try RatingGenerator(config: config(20_000)).generate()
        try g.writeCSV(to: dir.sub("csv"), overwrite: false)
        let direct = try g.writeDataset(to: dir.sub("direct"), grid: .standard, overwrite: false)
        let viaCSV = try ingest([dir.sub("csv")], dir.sub("ingested")) { $0.scale = .oneToFive }
        #expect(viaCSV.manifest.blocks.map(\.xxh64) == direct.blocks.map(\.xxh64))
        let a = try Dataset(path: dir.sub("direct")), b = try Dataset(path: dir.sub("ingested"))
        #expect(a.catalog?.strings("title") == b.catalog?.strings("title"))
        #expect(a.catalog?.stringLists("countries") == b.catalog?.stringLists("countries"))
        let truth = try GroundTruth.decode(try FileSystem.readAll(dir.sub("csv") + "/truth.bin"), file: "truth.bin")
        #expect(truth == g.truth)
        #expect(a.manifest.file(role: "truth") != nil)
    }

    @Test func impossibleDensityIsRefused() {
        #expect(dataError { _ = try RatingGenerator(config: GeneratorConfig(ratings: 1000, users: 10, items: 20)).generate() }?.message
            == "1000 ratings cannot fit: 10 users may rate at most half of 20 items each (100 ratings); add users or items")
    }
}

@Suite struct DatasetBuilderTests {
    @Test func gridIsBalancedUnderSkew() throws {
        let dir = TempDir("balance")
        var c = GeneratorConfig(ratings: 200_000)
        c.activityShape = 1.1
        let g = try RatingGenerator(config: c).generate()
        let m = try g.writeDataset(to: dir.sub("ds"), grid: GridShape(rows: 4, columns: 3), overwrite: false)
        let counts = m.blocks.map(\.ratings)
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        #expect(Double(counts.max()!) / mean < 1.15, "blocks \(counts)")
        let sizes = zip(m.grid.userBoundaries, m.grid.userBoundaries.dropFirst()).map { $1 - $0 }
        #expect(sizes.max()! - sizes.min()! <= 1)
    }

    @Test func tooLargeExplicitGridIsAnErrorDefaultShrinks() throws {
        let dir = TempDir("grid")
        let f = dir.write("u.data", "1\t10\t3\t5\n2\t11\t4\t6\n")
        #expect(dataError { _ = try ingest([f], dir.sub("a")) { $0.grid = GridShape(rows: 3, columns: 1) } }?.message
            == "grid 3x1 needs at least 3 users and 1 items; the data has 2 users and 2 items")
        let m = try ingest([f], dir.sub("b")).manifest
        #expect(m.grid.rows == 2 && m.grid.columns == 2)
    }
}

@Suite struct BundledSampleTests {
    /// data/sample is exactly what its documented command produces, byte for byte.
    @Test func bundledSampleIsReproducible() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let dir = TempDir("sample")
        var config = GeneratorConfig(ratings: 100_000)
        config.seed = 42
        try RatingGenerator(config: config).generate().writeCSV(to: dir.sub("s"), overwrite: false)
        for file in ["ratings.csv", "movies.csv", "truth.bin"] {
            let shipped = try FileSystem.readAll(root + "/data/sample/" + file)
            let made = try FileSystem.readAll(dir.sub("s/") + file)
            #expect(XXHash64.hash(shipped) == XXHash64.hash(made), "data/sample/\(file) differs from `cinemesh generate --ratings 100000 --seed 42`")
        }
    }
}
