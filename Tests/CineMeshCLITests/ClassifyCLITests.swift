import CineMeshData
import Foundation
import Testing

/// `cinemesh classify` as a user types it, on the bundled sample: the tree models' report, its
/// calibration and importance, early stopping, and logreg's report as it was.
@Suite struct ClassifyCLITests {
    struct Report: Decodable {
        struct Bin: Decodable { var count: Int; var meanPredicted: Double; var observedRate: Double }
        struct Importance: Decodable { var feature: String; var gain: Double; var splits: Int }
        var model: String
        var trainRows: Int
        var testRows: Int
        var iterations: Int
        var auc: Double
        var logLoss: Double
        var weights: [String: Double]?
        var validationRows: Int?
        var validationLoss: [Double]?
        var calibration: [Bin]?
        var importance: [Importance]?
    }

    func run(_ args: [String]) throws -> Report {
        let run = try cinemesh(args + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try JSON.decode(Report.self, from: Array(run.stdout.utf8), file: "stdout")
    }

    @Test func treesReportCalibrationAndImportance() throws {
        let s = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", s.sub("ds")]).status == 0)
        let gbdt = try run(["classify", s.sub("ds"), "--model", "gbdt", "--num-iterations", "30"])
        #expect(gbdt.model == "gbdt" && gbdt.iterations == 30 && gbdt.auc > 0.6 && gbdt.weights == nil && gbdt.validationRows == 0)
        let bins = try #require(gbdt.calibration)
        #expect(bins.count == 10 && bins.reduce(0) { $0 + $1.count } == gbdt.testRows)
        let importance = try #require(gbdt.importance)
        #expect(importance.count == 11 && importance.reduce(0) { $0 + $1.splits } == 30 * 30)
        #expect(zip(importance, importance.dropFirst()).allSatisfy { $0.gain >= $1.gain })

        let stopped = try run(["classify", s.sub("ds"), "--model", "gbdt", "--num-iterations", "500", "--learning-rate", "0.5",
                               "--early-stopping-round", "3"])
        let losses = try #require(stopped.validationLoss)
        #expect(stopped.iterations < 500 && losses.count == stopped.iterations + 3)
        #expect(stopped.validationRows == stopped.trainRows / 10)

        let forest = try run(["classify", s.sub("ds"), "--model", "forest", "--num-trees", "8", "--num-leaves", "200", "--seed", "4"])
        #expect(forest.model == "forest" && forest.iterations == 8 && forest.auc > 0.6)
        #expect(forest.importance.map { $0.reduce(0) { $0 + $1.splits } } == 8 * 199)

        // logreg's report has none of the trees' fields.
        let logreg = try cinemesh(["classify", s.sub("ds"), "--json"])
        #expect(logreg.status == 0 && logreg.stdout.contains("\"weights\"") && !logreg.stdout.contains("calibration"))
        let text = try cinemesh(["classify", s.sub("ds"), "--model", "forest", "--num-trees", "3", "--num-leaves", "50"])
        #expect(text.status == 0 && text.stdout.contains("calibration") && text.stdout.contains("splits"), "\(text.stdout)")
        let bad = try cinemesh(["classify", s.sub("ds"), "--model", "gbdt", "--num-leaves", "1"])
        #expect(bad.status == 64 && bad.stderr.contains("--num-leaves must be at least 2"), "\(bad.stderr)")
        let unknown = try cinemesh(["classify", s.sub("ds"), "--model", "svm"])
        #expect(unknown.status == 64 && unknown.stderr.contains("(logreg, gbdt, forest)"), "\(unknown.stderr)")
    }
}
