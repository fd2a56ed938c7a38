@testable import CineMeshCluster
import CineMeshData
import Foundation
import Testing

@Suite struct JobRegistryTests {
    @Test func recordsJobsAndMarksUnfinishedOnesInterruptedOnReopen() throws {
        let dir = "/tmp/cinemesh-registry-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        do {
            let r = try JobRegistry(directory: dir)
            var done = try r.insert(JobSpec(type: "stats", dataset: "a"), now: 1)
            let running = try r.insert(JobSpec(type: "stats", dataset: "b"), now: 2)
            #expect(done.id == 1 && running.id == 2)
            done.state = .succeeded
            done.result = "{\"x\": 1}"
            try r.update(done, event: "succeeded", now: 3)
        }
        let reopened = try JobRegistry(directory: dir)
        #expect(try reopened.markInterrupted(now: 4) == [2])
        let jobs = try reopened.jobs()
        #expect(jobs.map(\.id) == [2, 1])
        #expect(jobs[0].state == .interrupted && jobs[0].error == "the coordinator stopped while the job was queued")
        #expect(jobs[1].state == .succeeded && jobs[1].result == "{\"x\": 1}")
        #expect(try reopened.events(1).map(\.state) == [.queued, .succeeded])
        #expect(try reopened.job(99) == nil)
    }

    @Test func theJobRegistryIsInWALMode() throws {
        let dir = "/tmp/cinemesh-registry-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        let registry = try JobRegistry(directory: dir)
        // SQLite's file header: bytes 18 and 19 (write and read format) are 2 in WAL mode.
        #expect(Array(try FileSystem.readAll(registry.path).prefix(20).suffix(2)) == [2, 2])
    }
}
