import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import CineMeshStore
import Foundation
import Testing

/// The cluster commands as a user types them: `submit --local`, `up`, `workers`, `submit`,
/// `status --follow`, `jobs`, `cancel`, `down`, and configuration errors.
@Suite(.serialized) struct ClusterCLITests {
    static let fast = ["--set", "heartbeat.interval_ms=200", "--set", "heartbeat.reconnect_initial_ms=200"]

    func sample(_ scratch: Scratch) throws -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let out = scratch.sub("sample")
        let r = try cinemesh(["ingest", repo + "/data/sample", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        return out
    }

    @Test func submitLocalRunsAThrowawayClusterAndPrintsTheMergedResult() throws {
        let scratch = Scratch()
        let dataset = try sample(scratch)
        let r = try cinemesh(["submit", "--local", "2", "--type", "stats", "--dataset", dataset, "--json"] + Self.fast,
                             environment: ["CINEMESH_HOME": scratch.sub("home")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("local cluster: coordinator and 2 workers"))
        #expect(r.stderr.contains("job 1 succeeded"))
        let stats = try JSONDecoder().decode(DatasetStats.self, from: Data(r.stdout.utf8))
        #expect(stats == (try DatasetStats(computing: Dataset(path: dataset))))
        // The throwaway cluster is gone: no processes, no directory.
        #expect(!FileSystem.exists(scratch.sub("home/local-")))
        #expect((try? FileSystem.list(scratch.sub("home")))?.isEmpty ?? true)
    }

    @Test func trainWithATestDatasetOnTheClusterScoresItLikeOneProcess() throws {
        let scratch = Scratch()
        let dataset = try sample(scratch)
        let home = ["CINEMESH_HOME": scratch.sub("home")]
        func rmse(_ output: String) -> Substring? {
            output.split(separator: "\n").last { $0.contains("test RMSE") }?.split(separator: ",").first
        }
        let flags = ["train", dataset, "--test", dataset, "--factors", "8", "--epochs", "3"]
        let single = try cinemesh(flags, environment: home)
        #expect(single.status == 0, "\(single.stderr)")
        let cluster = try cinemesh(flags + ["--local", "2"] + Self.fast, environment: home)
        #expect(cluster.status == 0, "\(cluster.stderr)")
        #expect(rmse(single.stdout) != nil && rmse(single.stdout) == rmse(cluster.stdout), "\(single.stdout)\n\(cluster.stdout)")
        let missing = try cinemesh(["train", dataset, "--test", scratch.sub("absent"), "--local", "1"] + Self.fast, environment: home)
        #expect(missing.status != 0 && missing.stderr.contains("test dataset"), "\(missing.stderr)")
    }

    @Test func aGatewayWithClusterFollowsTheLocalClusterThatUpStarted() throws {
        let scratch = Scratch()
        let dataset = try sample(scratch)
        let home = ["CINEMESH_HOME": scratch.sub("home")]
        let gatewayFlags = ["gateway", "--cluster", "--models", scratch.sub("replica"), "--port", "0"]
        let alone = try cinemesh(gatewayFlags, environment: home)
        #expect(alone.status == 64 && alone.stderr.contains("no local cluster runs"), "\(alone.stderr)")
        let up = try cinemesh(["up", "--workers", "1"] + Self.fast, environment: home)
        #expect(up.status == 0, "\(up.stderr)")
        defer { _ = try? cinemesh(["down"], environment: home) }
        let trained = try cinemesh(["train", dataset, "--cluster", "--factors", "4", "--epochs", "1"], environment: home)
        #expect(trained.status == 0, "\(trained.stderr)")
        // Runs until the timeout stops it (SIGTERM, a clean shutdown): long enough to fetch version 1.
        let gateway = try cinemesh(gatewayFlags + Self.fast, timeout: 8, environment: home)
        let log = gateway.stdout + gateway.stderr
        #expect(log.contains("serving model") && log.contains("version=1"), "\(log)")
        #expect(try ModelStore(directory: scratch.sub("replica")).latest()?.version == 1)
    }

    /// A client with a home of its own, as on another box, trains through `--coordinator` and
    /// receives the model file over the clients endpoint: the same bytes as the coordinator's copy.
    @Test func aClientElsewhereReceivesTheModelItTrained() throws {
        let scratch = Scratch()
        let dataset = try sample(scratch)
        let coordinatorHome = ["CINEMESH_HOME": scratch.sub("coordinator-home")]
        let up = try cinemesh(["up", "--workers", "1"] + Self.fast, environment: coordinatorHome)
        #expect(up.status == 0, "\(up.stderr)")
        defer { _ = try? cinemesh(["down"], environment: coordinatorHome) }
        let endpoint = try #require(up.stdout.split(separator: "\n").first { $0.contains("clients endpoint") }?.split(separator: " ").last)
        let elsewhere = ["CINEMESH_HOME": scratch.sub("client-home")]
        let trained = try cinemesh(["train", dataset, "--coordinator", String(endpoint), "--factors", "4", "--epochs", "2",
                                    "--save", scratch.sub("client/model.cmm"), "--store", scratch.sub("client/store")], environment: elsewhere)
        #expect(trained.status == 0, "\(trained.stderr)")
        // "model version 1: PATH (xxh64 ...)", the coordinator's copy.
        let line = try #require(trained.stdout.split(separator: "\n").first { $0.hasPrefix("model version 1: ") })
        let coordinatorCopy = String(line.dropFirst("model version 1: ".count).split(separator: " ").first!)
        #expect(coordinatorCopy.hasPrefix(scratch.sub("coordinator-home")))
        #expect(try FileSystem.readAll(scratch.sub("client/model.cmm")) == FileSystem.readAll(coordinatorCopy))
        #expect(try ModelStore(directory: scratch.sub("client/store")).latest()?.version == 1)
        #expect(!FileSystem.exists(scratch.sub("client/model.cmm.partial")))
    }

    /// `up` after `down` takes the ports the last cluster had, so whatever follows it carries on.
    @Test func upTakesTheLastClustersPortsAgain() throws {
        let scratch = Scratch()
        let home = ["CINEMESH_HOME": scratch.sub("home")]
        func endpoints(_ output: String) -> [Substring] {
            output.split(separator: "\n").filter { $0.contains("endpoint") || $0.contains("metrics") }.compactMap { $0.split(separator: " ").last }
        }
        let first = try cinemesh(["up", "--workers", "1"] + Self.fast, environment: home)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try cinemesh(["down"], environment: home).status == 0)
        let second = try cinemesh(["up", "--workers", "1"] + Self.fast, environment: home)
        #expect(second.status == 0, "\(second.stderr)")
        defer { _ = try? cinemesh(["down"], environment: home) }
        #expect(endpoints(first.stdout).count == 3)
        #expect(endpoints(first.stdout) == endpoints(second.stdout), "\(first.stdout)\n\(second.stdout)")
        #expect(try cinemesh(["workers"], environment: home).stdout.contains("local-1"))
    }

    @Test func upSubmitFollowJobsCancelDown() throws {
        let scratch = Scratch()
        let dataset = try sample(scratch)
        let env = ["CINEMESH_HOME": scratch.sub("home")]
        let up = try cinemesh(["up", "--workers", "2"] + Self.fast, environment: env)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("local cluster up"))
        var stopped = false
        defer { if !stopped { _ = try? cinemesh(["down"], environment: env) } }

        let again = try cinemesh(["up"], environment: env)
        #expect(again.status == 64 && again.stderr.contains("already running"))

        let workers = try cinemesh(["workers"], environment: env)
        #expect(workers.status == 0 && workers.stdout.contains("local-1") && workers.stdout.contains("local-2"))

        let submit = try cinemesh(["submit", "--type", "stats", "--dataset", dataset], environment: env)
        #expect(submit.status == 0, "\(submit.stderr)")
        let id = try #require(Int(submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let follow = try cinemesh(["status", String(id), "--follow"], environment: env)
        #expect(follow.status == 0)
        #expect(follow.stdout.contains("job \(id): stats on \(dataset) - succeeded"))
        #expect(follow.stdout.contains("100000 ratings, 1000 users, 1666 items"))
        #expect(follow.stderr.contains("16/16"))

        let slow = try cinemesh(["submit", "--type", "stats", "--dataset", dataset, "--param", "task_delay_ms=1000"], environment: env)
        let slowId = slow.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cancel = try cinemesh(["cancel", slowId], environment: env)
        #expect(cancel.status == 0 && cancel.stdout.contains("job \(slowId): cancelled"))
        let cancelAgain = try cinemesh(["cancel", slowId], environment: env)
        #expect(cancelAgain.status == 64 && cancelAgain.stderr.contains("already ended (cancelled)"))

        let jobs = try cinemesh(["jobs"], environment: env)
        #expect(jobs.status == 0)
        let lines = jobs.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].contains("cancelled") && lines[2].contains("succeeded"))

        let missing = try cinemesh(["status", "999"], environment: env)
        #expect(missing.status == 1 && missing.stderr.contains("no job 999"))
        let badType = try cinemesh(["submit", "--type", "bogus", "--dataset", dataset], environment: env)
        #expect(badType.status == 64 && badType.stderr.contains("unknown job type 'bogus' (known: query, stats, train, tune)"))

        let down = try cinemesh(["down"], environment: env)
        stopped = true
        #expect(down.status == 0 && down.stdout.contains("local cluster stopped"))
        let after = try cinemesh(["jobs", "--set", "client.timeout_ms=300"], environment: env)
        #expect(after.status == 1 && after.stderr.contains("no answer from the coordinator"))
        #expect(try cinemesh(["down"], environment: env).stdout.contains("no local cluster is running"))
    }

    @Test func trainOnAMissingDatasetExitsAlikeInThisProcessAndThroughACoordinator() throws {
        let scratch = Scratch()
        let env = ["CINEMESH_HOME": scratch.sub("home")]
        let missing = scratch.sub("absent")
        let here = try cinemesh(["train", missing], environment: env)
        #expect(here.status == 1 && here.stderr.contains("\(missing): no such dataset directory"), "\(here.stderr)")
        let up = try cinemesh(["up", "--workers", "1"] + Self.fast, environment: env)
        #expect(up.status == 0, "\(up.stderr)")
        defer { _ = try? cinemesh(["down"], environment: env) }
        let clients = try #require(LocalCluster.running(in: scratch.sub("home/cluster"))).endpoints.clients
        let there = try cinemesh(["train", missing, "--coordinator", clients], environment: env)
        #expect(there.status == here.status && there.stderr.contains("\(missing): no such dataset directory"), "\(there.stderr)")
        // A bad parameter is a usage error either way.
        let badParameter = try cinemesh(["submit", "--type", "train", "--dataset", missing, "--param", "algo=nope", "--coordinator", clients],
                                        environment: env)
        #expect(badParameter.status == 64, "\(badParameter.stderr)")
    }

    @Test func configurationErrorsStopStartUpWithTheirOrigin() throws {
        let scratch = Scratch()
        let bad = scratch.file("bad.toml", "[heartbeat]\ninterval_ms = 500\nlivenes = 3\n")
        let r = try cinemesh(["coordinator", "--config", bad])
        #expect(r.status == 64)
        #expect(r.stderr.contains("\(bad):3: unknown key 'heartbeat.livenes'"))
        let w = try cinemesh(["worker", "--set", "heartbeat.liveness=0"])
        #expect(w.status == 64 && w.stderr.contains("'heartbeat.liveness' must be between 1 and 100, not 0"))
        let e = try cinemesh(["worker"], environment: ["CINEMESH_WORKER_COORDINATOR": "7700"])
        #expect(e.status == 64 && e.stderr.contains("'7700' is not a ZeroMQ endpoint"))
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/config/cluster.toml"
        let ok = try cinemesh(["jobs", "--config", shipped, "--coordinator", "tcp://127.0.0.1:1", "--set", "client.timeout_ms=200"])
        #expect(ok.status == 1 && ok.stderr.contains("no answer from the coordinator at tcp://127.0.0.1:1 within 200 ms"))
    }
}
