import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation
import Testing

/// The `cinemesh` executable, started as a real process.
@Suite struct CLITests {
    @Test func versionReportsCommitProtocolAndLibzmq() throws {
        let r = try cinemesh(["version"])
        #expect(r.status == 0)
        // The commit is the one CINEMESH_COMMIT gave the build (deploy/package.sh), else "unknown".
        #expect(r.stdout.hasPrefix("cinemesh 0.1.0 (commit "), "\(r.stdout)")
        #expect(r.stdout.contains("\nprotocol \(WireHeader.version)\n"), "\(r.stdout)")
        #expect(r.stdout.contains("libzmq 4.3."))
    }

    @Test func generateIngestInspectPipeline() throws {
        let s = Scratch()
        let gen = try cinemesh(["generate", "--ratings", "3e4", "--seed", "9", "--csv", s.sub("csv")])
        #expect(gen.status == 0, "\(gen.stderr)")
        let ing = try cinemesh(["ingest", s.sub("csv"), "--out", s.sub("ds"), "--grid", "3x2"])
        #expect(ing.status == 0, "\(ing.stderr)")
        #expect(ing.stdout.contains("ratings   30,000"))
        let ins = try cinemesh(["inspect", s.sub("ds"), "--json"])
        #expect(ins.status == 0, "\(ins.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ins.stdout.utf8)) as? [String: Any])
        #expect(json["ratings"] as? Int == 30_000)
        #expect(json["users"] as? Int == 300)
        #expect((json["blockRatings"] as? [[Int]])?.count == 3)
        #expect((json["mostRated"] as? [[String: Any]])?.first?["title"] is String)
        let text = try cinemesh(["inspect", s.sub("ds")])
        #expect(text.stdout.contains("rating histogram") && text.stdout.contains("most-rated titles"))
    }

    /// The bundled sample is whole stars: ingested, it is on a 1-5 scale in steps of 1 (its
    /// truth.bin says so), not MovieLens latest's half stars with empty half-star rows.
    @Test func theBundledSampleIsReadOnItsOwnWholeStarScale() throws {
        let s = Scratch()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        #expect(try cinemesh(["ingest", repo + "/data/sample", "--out", s.sub("ds")]).status == 0)
        let scale = try Dataset(path: s.sub("ds")).manifest.ratingScale
        #expect(scale == RatingScale(min: 1, max: 5, step: 1), "\(scale)")
        let inspect = try cinemesh(["inspect", s.sub("ds")])
        #expect(!inspect.stdout.contains("1.5 ") && inspect.stdout.contains("5.0 "), "\(inspect.stdout)")
    }

    @Test func badRowFailsWithFileAndLineAndWritesNothing() throws {
        let s = Scratch()
        let f = s.file("in/u.data", "1\t10\t3\t881250949\n2\t10\t4\t881250950\n3\t10\t5\n")
        let r = try cinemesh(["ingest", f, "--out", s.sub("ds")])
        #expect(r.status == 1)
        #expect(r.stderr == "cinemesh: error: \(f):3: expected 4 fields, found 3\n")
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.sub("ds")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.path).sorted() == ["in"])
    }

    @Test func skipModeReportsCountsByReason() throws {
        let s = Scratch()
        let f = s.file("u.data", "1\t10\t3\t881250949\n2\t10\t9\t881250950\n3\t10\tx\t1\n4\t10\t8\t1\n")
        let r = try cinemesh(["ingest", f, "--out", s.sub("ds"), "--on-bad-row", "skip"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rating-out-of-scale           2   first: \(f):2: rating 9 is outside the scale 1-5 in steps of 1"))
        #expect(r.stdout.contains("rating-not-numeric            1"))
    }

    @Test func usageErrorsExit64AndDamageExits1() throws {
        let s = Scratch()
        let f = s.file("u.data", "1\t10\t3\t881250949\n")
        let grid = try cinemesh(["ingest", f, "--out", s.sub("ds"), "--grid", "banana"])
        #expect(grid.status == 64)
        #expect(grid.stderr == "cinemesh: error: --grid 'banana' is not RxC (e.g. 4x4)\n")
        #expect(try cinemesh(["ingest", f, "--out", s.sub("ds")]).status == 0)
        let shard = s.sub("ds/blocks/block-r0000-c0000.shard")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count - 9] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: shard))
        let r = try cinemesh(["inspect", s.sub("ds")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("cinemesh: error: \(shard): checksum mismatch"))
    }
}

/// Training, saving, recommending and exporting through the real binary.
@Suite struct ModelCLITests {
    @Test func trainSaveRecommendExport() throws {
        let s = Scratch()
        #expect(try cinemesh(["generate", "--ratings", "20000", "--seed", "4", "--dataset", s.sub("ds")]).status == 0)
        let train = try cinemesh(["train", s.sub("ds"), "--algo", "svd", "--factors", "8", "--epochs", "5", "--save", s.sub("m.cmmodel")])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("svd: test RMSE"))
        let rec = try cinemesh(["recommend", s.sub("m.cmmodel"), "--user", "7", "-n", "5", "--json"])
        #expect(rec.status == 0, "\(rec.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(rec.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 5)
        #expect(list.first?["title"] is String && list.first?["rank"] as? Int == 1)
        let unknown = try cinemesh(["recommend", s.sub("m.cmmodel"), "--user", "999999"])
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("cinemesh: error: unknown user '999999'"))
        let export = try cinemesh(["export", s.sub("m.cmmodel"), "--out", s.sub("npy")])
        #expect(export.status == 0, "\(export.stderr)")
        let ids = try String(contentsOfFile: s.sub("npy/item_ids.txt"), encoding: .utf8).split(separator: "\n")
        let npy = try Data(contentsOf: URL(fileURLWithPath: s.sub("npy/item_factors.npy")))
        #expect(npy.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        #expect(String(decoding: npy.prefix(128), as: UTF8.self).contains("'shape': (\(ids.count), 8)"))
    }

    @Test func recommendReportsRatingsOnTheScaleInTheUnclippedOrder() throws {
        let s = Scratch()
        // One user, who scores a, b, c at 3 + (6, 4, 1): 9, 7 and 4 on a 1-5 scale.
        var users = FactorMatrix(rows: 1, factors: 1), items = FactorMatrix(rows: 3, factors: 1)
        users[0, 0] = 1
        for (i, v) in [6, 4, 1].enumerated() { items[i, 0] = Float(v) }
        let metadata = ModelFile.Metadata(algorithm: "svd", hyperparameters: .svd(SVDParameters()), epochs: [], metrics: [:],
                                          dataset: "tiny", datasetContentHash: "0", ratingScale: .oneToFive)
        try ModelFile(metadata: metadata, model: BiasedFactorModel(globalMean: 3, users: users, items: items),
                      users: IdMap(ids: [ExternalId("u")]), items: IdMap(ids: ["a", "b", "c"].map(ExternalId.init)), catalog: nil,
                      seen: []).write(to: s.sub("m.cmmodel"))
        let rec = try cinemesh(["recommend", s.sub("m.cmmodel"), "--user", "u", "--json"])
        #expect(rec.status == 0, "\(rec.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(rec.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["item"] as? String } == ["a", "b", "c"])
        #expect(list.compactMap { $0["score"] as? Double } == [5, 5, 4])
    }
}
