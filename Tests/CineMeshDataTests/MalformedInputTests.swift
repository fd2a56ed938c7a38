@testable import CineMeshData
import Testing

/// One crafted file per bad-row reason: each must stop the ingest with the exact `file:line: reason`
/// and leave nothing at the output path.
@Suite struct MalformedInputTests {
    let good = "1\t10\t3\t881250949\n2\t10\t4\t881250950\n"

    func expectFailure(_ name: String, _ text: String, line: Int, reason: BadRowReason?, message: String,
                       configure: (inout IngestOptions) -> Void = { _ in }) {
        let dir = TempDir("bad")
        let file = dir.write(name, text)
        let out = dir.sub("out")
        let error = dataError { _ = try ingest([file], out, configure: configure) }
        #expect(error?.description == "\(file):\(line): \(message)")
        #expect(error?.reason == reason)
        #expect(!FileSystem.exists(out), "a failed ingest left \(out) behind")
        #expect(((try? FileSystem.list(dir.path)) ?? []).filter { $0.hasPrefix(".out") }.isEmpty, "staging directory left behind")
    }

    @Test func wrongFieldCount() {
        expectFailure("u.data", good + "3\t10\t5\n", line: 3, reason: .fieldCount, message: "expected 4 fields, found 3")
    }

    @Test func nonNumericRating() {
        expectFailure("u.data", good + "3\t10\tfive\t881250951\n", line: 3, reason: .ratingNotNumeric, message: "rating 'five' is not a number")
    }

    @Test func ratingOutOfScale() {
        expectFailure("u.data", "1\t10\t7\t881250949\n", line: 1, reason: .ratingOutOfScale, message: "rating 7 is outside the scale 1-5 in steps of 1")
        expectFailure("ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.5,1\n1,3,3.3,2\n", line: 3, reason: .ratingOutOfScale,
                      message: "rating 3.3 is outside the scale 0.5-5 in steps of 0.5")
    }

    @Test func unparsableTimestamp() {
        expectFailure("u.data", good + "\n3\t10\t5\tyesterday\n", line: 4, reason: .badTimestamp,
                      message: "timestamp 'yesterday' is not integer seconds since 1970")
        expectFailure("combined_data_1.txt", "10:\n1,3,2005-09-06\n2,4,2005-13-06\n", line: 3, reason: .badTimestamp,
                      message: "timestamp '2005-13-06' is not a YYYY-MM-DD date")
    }

    @Test func duplicatePair() {
        expectFailure("u.data", good + "1\t11\t2\t881250951\n1\t10\t5\t881250952\n", line: 4, reason: .duplicate,
                      message: "duplicate rating for user 1 and item 10 (first rated on line 1); use --duplicates first|last|mean to resolve")
    }

    @Test func emptyId() {
        expectFailure("u.data", good + "\t10\t5\t881250951\n", line: 3, reason: .missingId, message: "empty user id")
    }

    @Test func brokenQuoting() {
        expectFailure("ratings.csv", "userId,movieId,rating,timestamp\n1,\"2\"x,3.0,100\n", line: 2, reason: .badQuoting,
                      message: "unexpected character after a closing quote in field 2")
    }

    @Test func netflixRatingBeforeMovieHeader() {
        expectFailure("combined_data_1.txt", "5,3,2005-09-06\n", line: 1, reason: .orphanRating, message: "rating line before any 'MovieID:' line")
    }

    @Test func emptyAndBinaryFilesAndMissingPaths() {
        let dir = TempDir("bad-files")
        let empty = dir.write("u.data", "")
        #expect(dataError { _ = try ingest([empty], dir.sub("o")) }?.description == "\(empty): empty file: expected delimited text")
        let binary = dir.write("x/u.data", [0x31, 0x09, 0x00, 0xFF, 0x0A])
        #expect(dataError { _ = try ingest([binary], dir.sub("o")) }?.description == "\(binary): binary file (NUL byte at offset 2): expected delimited text")
        let headerOnly = dir.write("ratings.csv", "userId,movieId,rating,timestamp\n")
        #expect(dataError { _ = try ingest([headerOnly], dir.sub("o")) }?.description == "\(headerOnly): no rating rows")
        #expect(dataError { _ = try ingest([dir.sub("missing.csv")], dir.sub("o")) }?.description == "\(dir.sub("missing.csv")): cannot read: No such file or directory")
        #expect(!FileSystem.exists(dir.sub("o")))
    }

    @Test func genericCSVNeedsRecognizableColumns() {
        let dir = TempDir("generic")
        let f = dir.write("shop.csv", "who,what,stars\na,b,4\n")
        #expect(dataError { _ = try ingest([f], dir.sub("o")) }?.description ==
            "\(f):1: cannot tell which column holds the user (header: who, what, stars); pass --columns user=NAME,item=NAME,rating=NAME[,timestamp=NAME]")
        #expect(dataError { _ = try ingest([f], dir.sub("o")) { $0.columns = try! ColumnMapping.parse("user=who,item=sku,rating=stars").get() } }?.description ==
            "\(f):1: no column named 'sku' for item in the header (who, what, stars)")
    }

    @Test func skipModeCountsEveryReasonAndKeepsGoodRows() throws {
        let dir = TempDir("skip")
        let f = dir.write("u.data", good + "3\t10\n3\t10\tfive\t1\n3\t10\t9\t1\n3\t10\t4\tnoon\n\t10\t4\t1\n4\t12\t5\t881250960\n")
        let report = try ingest([f], dir.sub("o")) { $0.onBadRow = .skip }
        #expect(report.manifest.ratings == 3)
        #expect(report.skipped == [.fieldCount: 1, .ratingNotNumeric: 1, .ratingOutOfScale: 1, .badTimestamp: 1, .missingId: 1])
        #expect(report.examples[.ratingOutOfScale] == "\(f):5: rating 9 is outside the scale 1-5 in steps of 1")
        #expect(report.manifest.ingest.skipped["field-count"] == 1)
        // Skipped rows create no phantom users: user 3 only appeared on bad rows.
        let ds = try Dataset(path: dir.sub("o"))
        #expect(ds.users.ids == [.int(1), .int(2), .int(4)] || Set(ds.users.ids) == [.int(1), .int(2), .int(4)])
    }

    @Test func duplicatePolicies() throws {
        let dir = TempDir("dups")
        let f = dir.write("u.data", "1\t10\t2\t100\n1\t10\t5\t300\n1\t10\t3\t200\n2\t10\t4\t50\n")
        for (policy, rating, time) in [(DuplicatePolicy.first, Float(2), Int64(100)), (.last, 3, 200), (.mean, Float(10) / 3, 300)] {
            let out = dir.sub("o-\(policy)")
            let report = try ingest([f], out) { $0.duplicates = policy }
            #expect(report.manifest.ratings == 2)
            #expect(report.manifest.ingest.duplicatesResolved == 2)
            let r = try allRatings(try Dataset(path: out))["1|10"]!
            #expect(r.0 == rating && r.1 == time, "\(policy)")
        }
    }

    @Test func existingOutputIsProtected() throws {
        let dir = TempDir("protect")
        let f = dir.write("u.data", good)
        let out = dir.sub("o")
        try ingest([f], out)
        #expect(dataError { _ = try ingest([f], out) }?.description == "\(out): already exists; pass --force to replace it")
        try ingest([f], out) { $0.overwrite = true }
        let other = dir.sub("notes")
        _ = dir.write("notes/keep.txt", "mine")
        #expect(dataError { _ = try ingest([f], other) { $0.overwrite = true } }?.message == "exists and is not a CineMesh output directory; refusing to replace it")
        #expect(FileSystem.exists(other + "/keep.txt"))
    }

    @Test func damagedDatasetFilesAreRefused() throws {
        let dir = TempDir("damage")
        let f = dir.write("u.data", good + "3\t11\t5\t881250960\n")
        let out = dir.sub("o")
        try ingest([f], out)
        let shard = out + "/blocks/block-r0000-c0000.shard"
        var bytes = try FileSystem.readAll(shard)
        bytes[bytes.count - 12] ^= 0x01
        try AtomicFile.write(bytes, to: shard)
        let ds = try Dataset(path: out)
        #expect(dataError { _ = try ds.block(row: 0, column: 0) }?.description.hasPrefix("\(shard): checksum mismatch") == true)
        var idmap = try FileSystem.readAll(out + "/users.idmap")
        idmap[idmap.count - 1] ^= 0xFF
        try AtomicFile.write(idmap, to: out + "/users.idmap")
        #expect(dataError { _ = try Dataset(path: out) }?.description.hasPrefix("\(out)/users.idmap: does not match the manifest") == true)
        try AtomicFile.write(Array("{\"format\": 1".utf8), to: out + "/manifest.json")
        #expect(dataError { _ = try Dataset(path: out) }?.file == out + "/manifest.json")
    }
}
