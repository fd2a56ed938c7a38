@testable import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// The coordinator's durable checkpoints: written in order off the loop, read back only for the
/// job they belong to, removed when the job ends.
@Suite struct JobCheckpointsTests {
    let owner = CheckpointFile.Owner(job: 4, type: "train", specHash: 42, datasetHash: "00112233aabbccdd")

    func checkpoint(_ step: Int, _ state: [UInt8]) -> JobCheckpoint {
        JobCheckpoint(step: step, progress: "epoch \(step) of 9") { state }
    }

    @Test func theNewestCheckpointIsKeptAndReadBackForItsJobOnly() throws {
        let dir = "/tmp/cinemesh-checkpoints-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        let store = try JobCheckpoints(stateDirectory: dir)
        #expect(try store.load(owner) == nil)
        store.save(checkpoint(1, [1]), owner: owner)
        store.save(checkpoint(2, [2, 2]), owner: owner)
        store.flush()
        let loaded = try #require(try store.load(owner))
        #expect(loaded.step == 2 && loaded.progress == "epoch 2 of 9" && loaded.state == [2, 2])
        // Steps written, in order (the first may have been overtaken by the second before it ran).
        let written = store.takeWritten()
        #expect(written.last?.progress == "epoch 2 of 9" && written.allSatisfy { $0.error == nil })
        // Another spec (or dataset content) under the same job id is not resumed from.
        var stranger = owner
        stranger.specHash = 43
        let refused = try #require(dataError { _ = try store.load(stranger) })
        #expect(refused.message.hasPrefix("the checkpoint is of job 4 (train, spec 000000000000002a"))
        // A checkpoint that cannot be made keeps the one before.
        store.save(JobCheckpoint(step: 3, progress: "epoch 3 of 9") { throw JobError("no memory") }, owner: owner)
        store.flush()
        #expect(store.takeWritten().map { "\($0.error.map { "\($0)" } ?? "")" } == ["no memory"])
        #expect(try store.load(owner)?.step == 2)
        store.remove(job: owner.job)
        store.flush()
        #expect(try store.load(owner) == nil)
    }

    @Test func onlyTheCheckpointsOfUnfinishedJobsSurviveAStart() throws {
        let dir = "/tmp/cinemesh-checkpoints-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        let store = try JobCheckpoints(stateDirectory: dir)
        for job in [Int64(3), 4, 5] {
            var o = owner
            o.job = job
            store.save(checkpoint(1, [UInt8(job)]), owner: o)
        }
        store.flush()
        _ = try AtomicFile.write([9], to: store.path(6) + ".tmp-1-2")   // a write a kill cut short
        store.removeAll(except: [4])
        #expect(try FileSystem.list(store.directory) == ["4.ckpt"])
    }

    func dataError(_ body: () throws -> Void) -> DataError? {
        do { try body() } catch let error as DataError { return error } catch { return nil }
        return nil
    }
}
