@testable import CineMeshData
import Foundation
import Testing

/// Parsers on the real public files in ../shared/data (skipped with a message when absent).
@Suite(.enabled(if: sharedData != nil, Comment(rawValue: sharedDataMissing)))
struct RealDataTests {
    let root = sharedData ?? ""

    @Test func movieLens100K() throws {
        let dir = TempDir("ml100k")
        let report = try ingest([root + "/ml-100k"], dir.sub("ds"))
        let m = report.manifest
        #expect((m.users, m.items, m.ratings) == (943, 1682, 100_000))
        #expect(m.sourceFormat == "ml-100k")
        #expect(m.sources.map(\.name).sorted() == ["u.data", "u.genre", "u.item", "u.user"])
        let ds = try Dataset(path: dir.sub("ds"))
        let catalog = try #require(ds.catalog)
        #expect(catalog.rowCount == 1682)
        let titles = catalog.strings("title")!, genres = catalog.stringLists("genres")!, years = catalog.ints("year")!
        let toyStory = catalog.strings("item")!.firstIndex(of: "1")!
        #expect(titles[toyStory] == "Toy Story (1995)")
        #expect(genres[toyStory] == ["Animation", "Children's", "Comedy"])
        #expect(years[toyStory] == 1995)
        // latin-1 titles decode to proper characters.
        #expect(titles.contains { $0.contains("é") })
        #expect(ds.userAttributes?.rowCount == 943)
    }

    @Test func movieLensLatestSmall() throws {
        let dir = TempDir("mls")
        let m = try ingest([root + "/ml-latest-small"], dir.sub("ds")).manifest
        #expect((m.users, m.items, m.ratings) == (610, 9724, 100_836))
        #expect(m.ratingScale == .halfStars)
        let ds = try Dataset(path: dir.sub("ds"))
        let catalog = try #require(ds.catalog)
        #expect(catalog.rowCount == 9742)
        let ids = catalog.strings("item")!
        let row = ids.firstIndex(of: "11")!   // "American President, The (1995)" is quoted (comma in title)
        #expect(catalog.strings("title")![row] == "American President, The (1995)")
        #expect(catalog.ints("year")![row] == 1995)
        #expect(catalog.strings("imdbId")![ids.firstIndex(of: "1")!] == "0114709")
        #expect(ds.tags?.rowCount == 3683)
    }

    @Test func netflixTitlesCatalogKeepsQuotedCastsIntact() throws {
        let dir = TempDir("nft")
        let m = try ingest([root + "/netflix-titles/netflix_titles.csv"], dir.sub("ds")).manifest
        #expect(m.ratings == 0)
        let catalog = try #require(try Dataset(path: dir.sub("ds")).catalog)
        #expect(catalog.rowCount == 8807)
        let ids = catalog.strings("item")!
        #expect(ids.first == "s1" && ids.last == "s8807")
        let s2 = ids.firstIndex(of: "s2")!
        let cast = catalog.stringLists("cast")![s2]
        #expect(cast.count == 19 && cast.first == "Ama Qamata" && cast.last == "Patrick Mofokeng")
        #expect(catalog.stringLists("genres")![s2] == ["International TV Shows", "TV Dramas", "TV Mysteries"])
        #expect(catalog.strings("type")!.filter { $0 == "Movie" }.count == 6131)
        // The two records with a newline inside a quoted field survive whole.
        let multiline = catalog.strings("description")!.enumerated().filter { $0.element.contains("\n") }.map { ids[$0.offset] }
            + catalog.strings("title")!.enumerated().filter { $0.element.contains("\n") }.map { ids[$0.offset] }
        #expect(Set(multiline) == ["s8202", "s8420"])
        #expect(catalog.ints("year")!.compactMap { $0 }.min() == 1925)
    }

    /// Ingest, write shards, read back: every rating of u.data reproduced exactly, through the id maps.
    @Test func roundTripReproducesEveryRating() throws {
        let dir = TempDir("roundtrip")
        try ingest([root + "/ml-100k/u.data"], dir.sub("ds")) { $0.grid = GridShape(rows: 3, columns: 5) }
        let ds = try Dataset(path: dir.sub("ds"))
        let stored = try allRatings(ds)
        let text = try String(contentsOfFile: root + "/ml-100k/u.data", encoding: .utf8)
        var expected = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t")
            let got = try #require(stored["\(f[0])|\(f[1])"])
            #expect(got.0 == Float(f[2])! && got.1 == Int64(f[3])!)
            expected += 1
        }
        #expect(stored.count == expected && expected == 100_000)
        for block in try ds.allBlocks() {
            let keys = zip(block.users, block.items).map { UInt64($0) << 32 | UInt64($1) }
            #expect(keys == keys.sorted(), "block (\(block.row), \(block.column)) not sorted by (user, item)")
        }
    }

    /// The layout depends on the rows, not their order in the file.
    @Test func shuffledInputGivesTheSameDataset() throws {
        let dir = TempDir("shuffle")
        var lines = try String(contentsOfFile: root + "/ml-100k/u.data", encoding: .utf8).split(separator: "\n")
        var rng = SeededRandom(seed: 11)
        lines.shuffle(using: &rng)
        let shuffled = dir.write("shuffled/u.data", lines.joined(separator: "\n") + "\n")
        let a = try ingest([root + "/ml-100k/u.data"], dir.sub("a")).manifest
        let b = try ingest([shuffled], dir.sub("b")).manifest
        #expect(a.contentHash == b.contentHash)
        #expect(a.blocks == b.blocks)
    }

    @Test func predefinedSplitFilesIngest() throws {
        let dir = TempDir("split")
        let m = try ingest([root + "/ml-100k/u1.base", root + "/ml-100k/u.item"], dir.sub("ds")).manifest
        #expect(m.ratings == 80_000)
        #expect(m.file(role: "catalog") != nil)
    }
}
