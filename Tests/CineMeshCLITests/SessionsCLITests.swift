import CineMeshData
import CineMeshNumerics
import Foundation
import Testing

/// `cinemesh sessions` as a user types it: the bundled sample's rating sessions, and bad flags.
@Suite struct SessionsCLITests {
    @Test func theSampleSessionsAreEvaluatedAndBadFlagsNamed() throws {
        let s = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", s.sub("ds")]).status == 0)
        let run = try cinemesh(["sessions", s.sub("ds"), "--session-gap", "1d", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSON.decode(SessionReport.self, from: Array(run.stdout.utf8), file: "stdout")
        #expect(report.gapSeconds == 86_400 && report.models.map(\.model) == ["popular", "sr", "sknn"])
        #expect(report.testSessions > 0 && report.models.allSatisfy { $0.predictions == report.models[0].predictions && $0.predictions > 0 })
        let text = try cinemesh(["sessions", s.sub("ds")])
        #expect(text.status == 0 && text.stdout.contains("HR@20") && text.stdout.contains("sknn"), "\(text.stdout)")
        // What comes next after two titles, with their titles; an unknown id is named.
        let next = try cinemesh(["sessions", s.sub("ds"), "--after", "902,1032", "--cutoff", "5", "--json"])
        #expect(next.status == 0, "\(next.stderr)")
        let items = try JSONSerialization.jsonObject(with: Data(next.stdout.utf8)) as? [[String: String]]
        #expect(items.map { (1 ... 5).contains($0.count) && $0.allSatisfy { $0["item"] != "902" && $0["title"] != nil } } == true, "\(next.stdout)")
        let unknown = try cinemesh(["sessions", s.sub("ds"), "--after", "902,nope"])
        #expect(unknown.status == 64 && unknown.stderr.contains("--after: no item 'nope' in the dataset"), "\(unknown.stderr)")
        let gap = try cinemesh(["sessions", s.sub("ds"), "--session-gap", "30 minutes"])
        #expect(gap.status == 64 && gap.stderr.contains("--session-gap '30 minutes' is not a duration"), "\(gap.stderr)")
        let fraction = try cinemesh(["sessions", s.sub("ds"), "--test-fraction", "1.5"])
        #expect(fraction.status == 64 && fraction.stderr.contains("--test-fraction must be between 0 and 1"))
    }
}
