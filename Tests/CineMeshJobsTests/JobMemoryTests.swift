import CineMeshCluster
@testable import CineMeshJobs
import Testing

/// What a worker keeps between tasks, job by job.
@Suite struct JobMemoryTests {
    @Test func jobsKeepTheirValuesApartUntilTheyEnd() {
        let memory = JobMemory<Int, String>()
        memory.keep(job: 1, 0, "one")
        memory.keep(job: 2, 0, "two")
        #expect(memory.peek(job: 1, 0) == "one" && memory.peek(job: 2, 0) == "two", "a second job does not drop the first's")
        #expect(memory.take(job: 1, 0) == "one" && memory.peek(job: 1, 0) == nil)
        memory.keep(job: 1, 0, "one again")
        memory.end(job: 1)
        #expect(memory.peek(job: 1, 0) == nil && memory.peek(job: 2, 0) == "two")
        memory.keep(job: 1, 3, "late")
        #expect(memory.peek(job: 1, 3) == nil, "a task of an ended job still running keeps nothing")
        memory.keep(job: 2, 1, "more")
        memory.forget(job: 2) { $0 == 0 }
        #expect(memory.peek(job: 2, 0) == nil && memory.peek(job: 2, 1) == "more")
        memory.removeAll()
        #expect(memory.peek(job: 2, 1) == nil)
        memory.keep(job: 2, 1, "after a reconnect")
        #expect(memory.peek(job: 2, 1) == "after a reconnect", "a job that did not end keeps values again")
    }
}
