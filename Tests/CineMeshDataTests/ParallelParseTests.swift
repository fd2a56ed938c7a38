@testable import CineMeshData
import Testing

/// A large file is parsed in byte ranges on every core; forcing that on small files must give the
/// same dataset and the same error lines as one range.
@Suite struct ParallelParseTests {
    func rows(_ n: Int, seed: UInt64 = 1) -> [String] {
        var rng = SeededRandom(seed: seed)
        var seen = Set<Int>()
        var out: [String] = []
        while out.count < n {
            let u = 1 + rng.below(300), i = 1 + rng.below(400)
            if !seen.insert(u * 1000 + i).inserted { continue }
            out.append("\(u)\t\(i)\t\(1 + rng.below(5))\t\(880_000_000 + rng.below(1000))")
        }
        return out
    }

    @Test func splitParseGivesTheSameDataset() throws {
        let dir = TempDir("par")
        let f = dir.write("u.data", rows(20_000).joined(separator: "\n") + "\n")
        let one = try ingest([f], dir.sub("one")).manifest
        let split = try ingest([f], dir.sub("split")) { $0.parallelSplitBytes = 1 }.manifest
        #expect(one.contentHash == split.contentHash)
        #expect(one.sources == split.sources)
    }

    @Test func splitParseReportsGlobalLines() throws {
        let dir = TempDir("par-lines")
        var lines = rows(9_000)
        lines[7_777] = "5\t6\toops\t1"
        let f = dir.write("u.data", lines.joined(separator: "\n") + "\n")
        let error = dataError { _ = try ingest([f], dir.sub("o")) { $0.parallelSplitBytes = 1 } }
        #expect(error?.description == "\(f):7778: rating 'oops' is not a number")
        lines[8_500] = "5\t6\t3"
        let g = dir.write("v/u.data", lines.joined(separator: "\n") + "\n")
        let report = try ingest([g], dir.sub("p")) { $0.parallelSplitBytes = 1; $0.onBadRow = .skip }
        #expect(report.examples[.fieldCount] == "\(g):8501: expected 4 fields, found 3")
        #expect(report.examples[.ratingNotNumeric] == "\(g):7778: rating 'oops' is not a number")
        #expect(report.manifest.ratings == 8_998)
    }

    @Test func duplicateAcrossRangesIsLocated() throws {
        let dir = TempDir("par-dup")
        var lines = rows(9_000)
        lines[8_999] = lines[10].replacingOccurrences("\t3\t", "\t2\t")
        let header = "userId,movieId,rating,timestamp\n"
        let csv = lines.map { $0.split(separator: "\t").joined(separator: ",") }
        let f = dir.write("ratings.csv", header + csv.joined(separator: "\n") + "\n")
        let error = dataError { _ = try ingest([f], dir.sub("o")) { $0.parallelSplitBytes = 1 } }
        #expect(error?.line == 9_001)
        #expect(error?.message.hasSuffix("(first rated on line 12); use --duplicates first|last|mean to resolve") == true)
    }
}
