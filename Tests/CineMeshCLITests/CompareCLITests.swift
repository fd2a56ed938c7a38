import Foundation
import Testing

/// `cinemesh compare` end to end on the bundled sample, and item-knn lists saved for `similar`.
@Suite struct CompareCLITests {
    static var sample: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/data/sample"
    }

    /// One row per algorithm in the order asked, each with the figures `train` prints for it on
    /// the same split.
    @Test func csvRowsMatchTrainOnTheSameSplit() throws {
        let s = Scratch()
        #expect(try cinemesh(["ingest", Self.sample, "--out", s.sub("ds")]).status == 0)
        let r = try cinemesh(["compare", s.sub("ds"), "--algos", "item-knn,baseline", "--split", "random:0.2", "--split-seed", "9", "--format", "csv", "--ranking-users", "20"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3 && rows[0].first == "algorithm" && rows[1].first == "item-knn" && rows[2].first == "baseline", "\(r.stdout)")
        let train = try cinemesh(["train", s.sub("ds"), "--algo", "item-knn", "--split", "random:0.2", "--split-seed", "9", "--ranking-users", "20"])
        let rmse = try #require(Double(rows[1][1]))
        #expect(train.stdout.contains("test RMSE \(String(format: "%.4f", rmse))"), "\(train.stdout)")
        // The knn and baseline rows differ: each row is its own model.
        #expect(rows[1][1] != rows[2][1])
    }

    @Test func unknownAlgorithmAndNothingHeldOutAreUsageErrors() throws {
        let s = Scratch()
        #expect(try cinemesh(["ingest", Self.sample, "--out", s.sub("ds")]).status == 0)
        let bad = try cinemesh(["compare", s.sub("ds"), "--algos", "svd,knn"])
        #expect(bad.status == 64 && bad.stderr.contains("'knn' is not one of"), "\(bad.stderr)")
        let none = try cinemesh(["compare", s.sub("ds"), "--split", "none"])
        #expect(none.status == 64 && none.stderr.contains("holds nothing out"), "\(none.stderr)")
    }

    /// An item-knn model's lists saved as an item-neighbour model file answer "more like this"
    /// by ratings; a user-knn model's neighbours are users, so it is refused.
    @Test func itemKNNListsSavedAnswerMoreLikeThis() throws {
        let s = Scratch()
        #expect(try cinemesh(["ingest", Self.sample, "--out", s.sub("ds")]).status == 0)
        let train = try cinemesh(["train", s.sub("ds"), "--algo", "item-knn", "--split", "none", "--neighbors", "40", "--save", s.sub("knn.cmneigh")])
        #expect(train.status == 0, "\(train.stderr)")
        let similar = try cinemesh(["similar", s.sub("knn.cmneigh"), "--item", "1", "--n", "3"])
        #expect(similar.status == 0, "\(similar.stderr)")
        #expect(similar.stdout.contains("(by ratings: item-knn neighbours)") && similar.stdout.contains("  3  "), "\(similar.stdout)")
        let user = try cinemesh(["train", s.sub("ds"), "--algo", "user-knn", "--save", s.sub("u.cmneigh")])
        #expect(user.status == 64 && user.stderr.contains("neighbours are users"), "\(user.stderr)")
    }

    /// content trains from the catalog in one process, predicts by KNNWithMeans over the
    /// catalog's neighbours, sits in compare's table, and is refused on a cluster.
    @Test func contentTrainsFromTheCatalogAndIsRefusedOnACluster() throws {
        let s = Scratch()
        #expect(try cinemesh(["ingest", Self.sample, "--out", s.sub("ds")]).status == 0)
        let r = try cinemesh(["compare", s.sub("ds"), "--algos", "content,baseline", "--format", "csv", "--ranking-users", "20"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 3 && rows[1].first == "content" && Double(rows[1][1]).map { $0 > 0 && $0 < 2 } == true, "\(r.stdout)")
        let cluster = try cinemesh(["train", s.sub("ds"), "--algo", "content", "--local", "1"])
        #expect(cluster.status == 64 && cluster.stderr.contains("content runs in one process"), "\(cluster.stderr)")
        let sim = try cinemesh(["train", s.sub("ds"), "--algo", "content", "--sim", "msd"])
        #expect(sim.status == 64 && sim.stderr.contains("do not apply"), "\(sim.stderr)")
    }
}
