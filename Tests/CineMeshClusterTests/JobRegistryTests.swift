@testable import CineMeshCluster
import CineMeshData
import Foundation
import Testing

@Suite struct JobRegistryTests {
    @Test func recordsJobsAndListsTheUnfinishedOnesOldestFirstOnReopen() throws {
        let dir = "/tmp/cinemesh-registry-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { FileSystem.removeTree(dir) }
        do {
            let r = try JobRegistry(directory: dir)
            var done = try r.insert(JobSpec(type: "stats", dataset: "a"), now: 1)
            var running = try r.insert(JobSpec(type: "stats", dataset: "b"), now: 2)
            let queued = try r.insert(JobSpec(type: "stats", dataset: "c"), now: 2.5)
            #expect(done.id == 1 && running.id == 2 && queued.id == 3)
            running.state = .running
            try r.update(running, now: 2.7)
            done.state = .succeeded
            done.result = "{\"x\": 1}"
            try r.update(done, event: "succeeded", now: 3)
        }
        let reopened = try JobRegistry(directory: dir)
        // Reopening changes nothing: the coordinator takes unfinished jobs up as they were.
        #expect(try reopened.unfinished().map { [$0.id: $0.state] } == [[2: .running], [3: .queued]])
        let jobs = try reopened.jobs()
        #expect(jobs.map(\.id) == [3, 2, 1])
        #expect(jobs[2].state == .succeeded && jobs[2].result == "{\"x\": 1}")
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
