@testable import CineMeshData
import Foundation
import Testing

/// `cinemesh ingest --append`: a dataset's next version reuses every block file whose ratings and
/// range did not change, extends the id maps, keeps the old version readable, and leaves the
/// dataset untouched when the new file is bad.
@Suite struct DatasetAppendTests {
    static let header = "userId,movieId,rating,timestamp\n"

    /// Ratings of users `users` on items `items` where a fixed pattern says so, in ml-csv form.
    static func rows(users: ClosedRange<Int>, items: ClosedRange<Int>, salt: Int = 0) -> String {
        var out = ""
        for u in users {
            for i in items where (u * 7 + i * 3 + salt) % 4 == 0 {
                out += "\(u),\(i),\((u + i + salt) % 5 + 1).0,\(1_600_000_000 + u * 100 + i)\n"
            }
        }
        return out
    }

    /// A 2x2 dataset of 40 users and 30 items.
    func base(_ dir: TempDir) throws -> Dataset {
        try ingest([dir.write("ratings.csv", Self.header + Self.rows(users: 1 ... 40, items: 1 ... 30))], dir.sub("ds")) {
            $0.grid = GridShape(rows: 2, columns: 2)
            $0.scale = .oneToFive
        }
        return try Dataset(path: dir.sub("ds"))
    }

    func append(_ file: String, to path: String, duplicates: DuplicatePolicy = .fail) throws -> IngestReport {
        var o = IngestOptions()
        o.duplicates = duplicates
        return try Ingestor(options: o).append(inputs: [file], to: path)
    }

    func stat(_ path: String) -> (inode: UInt64, modified: Date) {
        let a = try! FileManager.default.attributesOfItem(atPath: path)
        return ((a[.systemFileNumber] as! NSNumber).uint64Value, a[.modificationDate] as! Date)
    }

    @Test func anAppendWritesOnlyTheBlocksThatGainedRatings() throws {
        let dir = TempDir("append-blocks")
        let before = try base(dir)
        // New ratings of existing users of grid row 0 on existing items of grid column 1.
        let u = before.users.ids[Int(before.grid.userRange(row: 0).lowerBound)]
        let pairs = try allRatings(before)
        let freshItem = before.items.ids[before.grid.itemRange(column: 1).map { Int($0) }.first { pairs["\(u)|\(before.items.ids[$0])"] == nil }!]
        let stats = before.manifest.blocks.map { stat(FileSystem.join(dir.sub("ds"), $0.file)) }
        let report = try append(dir.write("new.csv", Self.header + "\(u),\(freshItem),4.0,1700000000\n"), to: dir.sub("ds"))
        let m = report.manifest
        #expect(m.datasetVersion == 2 && m.ratings == before.manifest.ratings + 1)
        #expect(m.appends?.last?.blocksWritten == 1 && m.appends?.last?.sources.map(\.name) == ["new.csv"])
        for (b, entry) in m.blocks.enumerated() {
            let old = before.manifest.blocks[b]
            if b == 1 {
                #expect(entry.file == "blocks/block-r0000-c0001-v0002.shard" && entry.ratings == old.ratings + 1)
            } else {
                #expect(entry == old)
                let now = stat(FileSystem.join(dir.sub("ds"), entry.file))
                #expect(now.inode == stats[b].inode && now.modified == stats[b].modified)
            }
        }
        // No new ids: the id map files are the first version's.
        #expect(m.files == before.manifest.files)
        let after = try Dataset(path: dir.sub("ds"))
        #expect(try allRatings(after)["\(u)|\(freshItem)"].map { $0 == (4, 1_700_000_000) } == true)
    }

    @Test func newUsersAndItemsExtendTheIdMapsAndTheOldVersionStaysReadable() throws {
        let dir = TempDir("append-ids")
        let before = try base(dir)
        let v1Ratings = try allRatings(before)
        // Users 41-45 and items 31-33 are new; 1-40 and 1-30 keep their indices.
        let report = try append(dir.write("day2.csv", Self.header + Self.rows(users: 38 ... 45, items: 28 ... 33, salt: 1)
                                          .split(separator: "\n").filter { line in
                                              let f = line.split(separator: ","); return Int(f[0])! > 40 || Int(f[1])! > 30
                                          }.joined(separator: "\n") + "\n"), to: dir.sub("ds"))
        let after = try Dataset(path: dir.sub("ds"))
        #expect(Array(after.users.ids.prefix(before.users.count)) == before.users.ids)
        #expect(Array(after.items.ids.prefix(before.items.count)) == before.items.ids)
        #expect(after.users.ids.suffix(5) == (41 ... 45).map { ExternalId("\($0)") })
        #expect(after.items.ids.suffix(3) == (31 ... 33).map { ExternalId("\($0)") })
        #expect(report.manifest.appends?.last?.users == 5 && report.manifest.appends?.last?.items == 3)
        // The grid's shape stays; the last row and column grow, so block (0, 0) alone is kept.
        #expect(after.grid.userBoundaries.dropLast() == before.grid.userBoundaries.dropLast())
        #expect(after.manifest.blocks[0] == before.manifest.blocks[0])
        #expect(after.manifest.blocks.dropFirst().allSatisfy { $0.file.hasSuffix("-v0002.shard") })
        // The dataset opened before the append still reads its version whole, and version 1 opens.
        #expect(try allRatings(before).count == v1Ratings.count)
        let v1 = try Dataset(path: dir.sub("ds"), version: 1)
        #expect(v1.manifest == before.manifest)
        #expect(try allRatings(v1).count == v1Ratings.count)
        #expect(try Dataset.versions(at: dir.sub("ds")) == [1, 2])
        #expect(try allRatings(after).count == v1Ratings.count + report.manifest.appends!.last!.ratings)
    }

    /// Appending equals ingesting the concatenated files, rating for rating by external id (the
    /// dense indices differ: a fresh ingest deals ids to the grid by rating count, an append puts
    /// new ids at the end), with re-ratings under `last` as in the concatenation.
    @Test func appendingEqualsIngestingTheConcatenation() throws {
        let dir = TempDir("append-concat")
        let first = Self.rows(users: 1 ... 40, items: 1 ... 30)
        // Overlapping pairs: every rating of users 30-40 on items 20-30 is given again, with another value.
        let second = Self.rows(users: 30 ... 50, items: 20 ... 36, salt: 4)
        _ = try base(dir)
        _ = try append(dir.write("second.csv", Self.header + second), to: dir.sub("ds"), duplicates: .last)
        try ingest([dir.write("all/ratings.csv", Self.header + first + second)], dir.sub("whole")) {
            $0.grid = GridShape(rows: 2, columns: 2)
            $0.scale = .oneToFive
            $0.duplicates = .last
        }
        let appended = try allRatings(try Dataset(path: dir.sub("ds")))
        let whole = try allRatings(try Dataset(path: dir.sub("whole")))
        #expect(appended.count == whole.count && appended.count < first.split(separator: "\n").count + second.split(separator: "\n").count)
        #expect(appended.allSatisfy { key, value in whole[key].map { $0 == value } ?? false })
    }

    @Test func aBadRowOrADuplicateLeavesTheDatasetUnchanged() throws {
        let dir = TempDir("append-bad")
        _ = try base(dir)
        let manifest = try FileSystem.readAll(dir.sub("ds/manifest.json"))
        let blocks = try FileSystem.list(dir.sub("ds/blocks")).sorted()
        let bad = dir.write("bad.csv", Self.header + "41,1,4.0,1700000000\n42,2,9.0,1700000000\n")
        let e = dataError { _ = try append(bad, to: dir.sub("ds")) }
        #expect(e?.description.contains("bad.csv:3") == true && e?.description.contains("scale") == true, "\(e?.description ?? "no error")")
        // A rating of a pair the dataset holds is a duplicate under the default policy.
        let ds = try Dataset(path: dir.sub("ds"))
        let block = try ds.block(row: 1, column: 1)
        let dup = dir.write("dup.csv", Self.header + "41,1,4.0,1700000000\n\(ds.users.ids[Int(block.users[0])]),\(ds.items.ids[Int(block.items[0])]),2.0,1700000000\n")
        let d = dataError { _ = try append(dup, to: dir.sub("ds")) }
        #expect(d?.description.contains("dup.csv:3") == true && d?.description.contains("already in the dataset") == true, "\(d?.description ?? "no error")")
        #expect(try FileSystem.readAll(dir.sub("ds/manifest.json")) == manifest)
        #expect(try FileSystem.list(dir.sub("ds/blocks")).sorted() == blocks)
        #expect(try Dataset.versions(at: dir.sub("ds")) == [1])
    }

    @Test func catalogRowsOfNewItemsAreAdded() throws {
        let dir = TempDir("append-catalog")
        try ingest([dir.write("v1/ratings.csv", Self.header + "1,1,4.0,1\n2,2,3.0,2\n"),
                    dir.write("v1/movies.csv", "movieId,title,genres\n1,One (2001),Drama\n2,Two (2002),Comedy\n")], dir.sub("ds")) {
            $0.scale = .oneToFive
        }
        let m = try Ingestor(options: IngestOptions()).append(inputs: [
            dir.write("v2/ratings.csv", Self.header + "1,3,5.0,3\n"),
            dir.write("v2/movies.csv", "movieId,title,genres\n2,Changed (2002),Comedy\n3,Three (2003),Drama|Comedy\n"),
        ], to: dir.sub("ds")).manifest
        let ds = try Dataset(path: dir.sub("ds"))
        #expect(ds.catalog?.strings("title") == ["One (2001)", "Two (2002)", "Three (2003)"])
        #expect(m.file(role: "catalog")?.file == "catalog-v0002.table")
    }
}
