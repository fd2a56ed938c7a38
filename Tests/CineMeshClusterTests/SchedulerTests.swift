@testable import CineMeshCluster
import Testing

/// The scheduler alone: no sockets, made-up times.
@Suite struct SchedulerTests {
    let welcome = try! Message(.welcome, WelcomeBody(coordinatorId: "c", heartbeatMilliseconds: 100, liveness: 3, chunkBytes: 1024, window: 2))

    func ready(_ id: String, slots: Int? = nil) -> ReadyBody {
        ReadyBody(workerId: id, host: "h", pid: 1, capacity: WorkerCapacity(cores: 2, memoryBytes: 1, diskFreeBytes: 1), cached: [], slots: slots)
    }

    func stage(_ n: Int) -> StagePlan {
        StagePlan(name: "s", tasks: (0 ..< n).map { TaskPlan(kind: "k", parameters: ["i": String($0)]) })
    }

    /// TASK messages in `actions`, as (routing id, body).
    func tasks(_ actions: [Scheduler.Action]) -> [(Frame, TaskBody)] {
        actions.compactMap {
            if case .send(let r, let m) = $0, m.command == .task { return (r, try! m.decode(TaskBody.self)) }
            return nil
        }
    }

    @Test func aSecondProcessWithTheIdOfALiveWorkerIsRefusedAndARestartedOneReplacesTheSilentOld() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        var other = ready("a")
        other.pid = 2
        // Heard 50 ms ago: another process with its id is refused, and nothing changes.
        let heard = s.heard(from: [1], now: 50)
        #expect(heard)
        let refused = s.register(routing: [2], ready: other, welcome: welcome, now: 100)
        guard case .send(let to, let message)? = refused.first, case .duplicate("a", "h", 2)? = refused.last else {
            Issue.record("\(refused)")
            return
        }
        #expect(to == [2] && message.command == .error && (try? message.decode(ErrorBody.self))?.code == "duplicate-worker")
        #expect(s.workerList.map(\.routing) == [[1]])
        // The same process on a new connection replaces its registration at once.
        _ = s.register(routing: [3], ready: ready("a"), welcome: welcome, now: 120)
        #expect(s.workerList.map(\.routing) == [[3]])
        // Silent for a heartbeat interval (killed, restarting): the new process replaces it.
        let replaced = s.register(routing: [2], ready: other, welcome: welcome, now: 221)
        #expect(s.workerList.map(\.routing) == [[2]])
        let lost = replaced.compactMap { action -> String? in
            if case .workerLost(_, _, let reason, _) = action { return reason }
            return nil
        }
        #expect(lost == ["re-registered from a new connection"])
    }

    @Test func handsTasksInQueueOrderToIdleWorkersInRegistrationOrder() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b"), welcome: welcome, now: 0)
        let sent = tasks(s.enqueue(job: 1, stage: stage(3), now: 1))
        #expect(sent.map(\.0) == [[1], [2]])
        #expect(sent.map(\.1.task) == [0, 1])
        #expect(sent.map(\.1.attempt) == [1, 2])
        #expect(s.queueDepth == 1)
        let next = s.completed(from: [2], ResultBody(job: 1, task: 1, attempt: 2, output: [:], seconds: 0), payload: [], now: 2)
        guard case .completed(let key, _, _, let worker, _) = next.first else { Issue.record("no completion"); return }
        #expect(key == .init(job: 1, task: 1) && worker == "b")
        #expect(tasks(next).map(\.1.task) == [2])
    }

    @Test func aSilentWorkersTaskGoesBackAndItsLateReplyIsStale() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b"), welcome: welcome, now: 0)
        _ = s.enqueue(job: 1, stage: stage(2), now: 0)
        let heard250 = s.heard(from: [2], now: 250)
        #expect(heard250)
        _ = s.completed(from: [2], ResultBody(job: 1, task: 1, attempt: 2, output: [:], seconds: 0), payload: [], now: 250)
        // Worker a never answers: at 301 ms it is dead and task 0 goes to b as attempt 3.
        let heard301 = s.heard(from: [2], now: 301)
        #expect(heard301)
        let actions = s.tick(now: 301)
        #expect(actions.contains { if case .workerLost("a", _, _, let requeued) = $0 { return requeued == [.init(job: 1, task: 0)] }; return false })
        let resent = tasks(actions)
        #expect(resent.count == 1 && resent[0].0 == [2] && resent[0].1.task == 0 && resent[0].1.attempt == 3)
        #expect(s.workers.count == 1)
        let heard302 = s.heard(from: [1], now: 302)
        #expect(!heard302)
        // A reply for the abandoned attempt 1 (a came back from the dead on the same connection) is stale.
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 310)
        let late = s.completed(from: [1], ResultBody(job: 1, task: 0, attempt: 1, output: [:], seconds: 0), payload: [], now: 311)
        #expect(late.contains { if case .stale(_, 1, "a") = $0 { return true }; return false })
        let real = s.completed(from: [2], ResultBody(job: 1, task: 0, attempt: 3, output: [:], seconds: 0), payload: [], now: 312)
        #expect(real.contains { if case .completed = $0 { return true }; return false })
    }

    @Test func heartbeatsGoOnlyToWorkersNotSentToForAnInterval() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        #expect(s.tick(now: 50).isEmpty)
        let beats = s.tick(now: 100).filter { if case .send(_, let m) = $0 { return m.command == .heartbeat }; return false }
        #expect(beats.count == 1)
        #expect(s.tick(now: 150).isEmpty)
    }

    @Test func aTaskOutOfAttemptsFailsItsJob() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 2)
        _ = s.enqueue(job: 4, stage: stage(1), now: 0)
        var now: UInt64 = 0
        var failed: String?
        for round in 0 ..< 3 {
            let routing: Frame = [UInt8(round + 1)]
            let actions = s.register(routing: routing, ready: ready("w\(round)"), welcome: welcome, now: now)
            for case .taskFailed(_, let message) in actions { failed = message }
            now += 301
            for case .taskFailed(_, let message) in s.tick(now: now) { failed = message }
        }
        #expect(failed?.contains("lost its worker 2 times") == true)
    }

    @Test func retryableFailuresRetryAndOthersFailAtOnce() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        let first = tasks(s.enqueue(job: 2, stage: stage(1), now: 0))[0].1
        let again = tasks(s.failed(from: [1], FailedBody(job: 2, task: 0, attempt: first.attempt, message: "disk", retryable: true), now: 1))
        #expect(again.count == 1 && again[0].1.attempt == first.attempt + 1)
        let final = s.failed(from: [1], FailedBody(job: 2, task: 0, attempt: again[0].1.attempt, message: "bad block", retryable: false), now: 2)
        #expect(final.contains { if case .taskFailed(_, let m) = $0 { return m.contains("bad block") }; return false })
    }

    /// A task that came before its inputs waits for a task of its job to complete, as often as it
    /// takes, without using up attempts; with nothing of its job left that could make it ready it
    /// is retried as an ordinary attempt, so a hopeless wait still ends.
    @Test func notReadyTasksWaitForTheirJobWithoutUsingAttempts() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 2)
        _ = s.register(routing: [1], ready: ready("a", slots: 3), welcome: welcome, now: 0)
        var attempts: [Int: Int] = [:]
        func note(_ actions: [Scheduler.Action]) -> [Scheduler.Action] {
            for (_, body) in tasks(actions) { attempts[body.task] = body.attempt }
            #expect(!actions.contains { if case .taskFailed = $0 { return true }; return false })
            return actions
        }
        _ = note(s.enqueue(job: 3, stage: stage(4), now: 0))
        #expect(Set(attempts.keys) == [0, 1, 2] && s.queueDepth == 1)
        func notReady(_ now: UInt64) -> [Scheduler.Action] {
            note(s.failed(from: [1], FailedBody(job: 3, task: 2, attempt: attempts[2]!, message: "rows not here", retryable: true, notReady: true), now: now))
        }
        func complete(_ task: Int, _ now: UInt64) -> [Scheduler.Action] {
            note(s.completed(from: [1], ResultBody(job: 3, task: task, attempt: attempts[task]!, output: [:], seconds: 0), payload: [], now: now))
        }
        // Task 2 came before its inputs: it waits (task 3 takes its slot), three times over.
        #expect(tasks(notReady(1)).map(\.1.task) == [3])
        #expect(tasks(complete(0, 2)).map(\.1.task) == [2], "resent when a task of its job completes")
        #expect(tasks(notReady(3)).isEmpty)
        #expect(tasks(complete(1, 4)).map(\.1.task) == [2])
        #expect(tasks(notReady(5)).isEmpty)
        #expect(s.queueDepth == 1)
        #expect(tasks(complete(3, 6)).map(\.1.task) == [2])
        // Three waits with max_attempts 2, and the task still runs to completion.
        _ = complete(2, 7)
        #expect(s.queueDepth == 0)
    }

    /// With nothing else of its job running or queued, a not-ready task is retried at once and
    /// counts its attempts: a wait that cannot end fails the job after `maxAttempts`.
    @Test func aNotReadyTaskWithNothingToWaitForUsesItsAttempts() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 2)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        var attempt = tasks(s.enqueue(job: 4, stage: stage(1), now: 0))[0].1.attempt
        let again = tasks(s.failed(from: [1], FailedBody(job: 4, task: 0, attempt: attempt, message: "rows not here", retryable: true, notReady: true), now: 1))
        #expect(again.count == 1)
        attempt = again[0].1.attempt
        let final = s.failed(from: [1], FailedBody(job: 4, task: 0, attempt: attempt, message: "rows not here", retryable: true, notReady: true), now: 2)
        #expect(final.contains { if case .taskFailed(_, let m) = $0 { return m.contains("rows not here") }; return false })
    }

    @Test func aWorkerReRegisteringFromANewConnectionReplacesTheOld() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.enqueue(job: 1, stage: stage(1), now: 0)
        let actions = s.register(routing: [9], ready: ready("a"), welcome: welcome, now: 5)
        #expect(s.workers.count == 1 && s.workers[[9]] != nil)
        #expect(tasks(actions).map(\.0) == [[9]])
    }

    @Test func removingAJobMakesItsRunningAttemptStaleAndFreesTheWorker() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.enqueue(job: 1, stage: stage(2), now: 0)
        _ = s.enqueue(job: 2, stage: stage(1), now: 0)
        s.removeJob(1)
        let next = s.completed(from: [1], ResultBody(job: 1, task: 0, attempt: 1, output: [:], seconds: 0), payload: [], now: 1)
        #expect(next.contains { if case .stale = $0 { return true }; return false })
        #expect(tasks(next).map(\.1.job) == [2])
    }
}

extension SchedulerTests {
    func filed(_ names: [String]) -> StagePlan {
        StagePlan(name: "s", tasks: names.map { TaskPlan(kind: "k", files: [FileRef(xxh64: $0, bytes: 1, name: $0)]) })
    }

    @Test func tasksGoWhereTheirFilesAreCachedWithoutLeavingAWorkerIdle() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        var a = ready("a"); a.cached = ["f2", "f3"]
        var b = ready("b"); b.cached = ["f0"]
        _ = s.register(routing: [1], ready: a, welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: b, welcome: welcome, now: 0)
        let first = tasks(s.enqueue(job: 1, stage: filed(["f0", "f1", "f2", "f3"]), now: 0))
        // a holds f2; b holds f0.
        #expect(first.map { $0.1.files[0].xxh64 } == ["f2", "f0"])
        // a finishes f2: f3 is local to a. b finishes f0: nothing local, f1 is nobody's, so b takes it.
        let next = tasks(s.completed(from: [1], ResultBody(job: 1, task: 2, attempt: first[0].1.attempt, output: [:], seconds: 0), payload: [], now: 1))
        #expect(next.map { $0.1.files[0].xxh64 } == ["f3"])
        let last = tasks(s.completed(from: [2], ResultBody(job: 1, task: 0, attempt: first[1].1.attempt, output: [:], seconds: 0), payload: [], now: 1))
        #expect(last.map { $0.1.files[0].xxh64 } == ["f1"])
        // What a worker ran, it holds: a second job with the same files lands the same way.
        #expect(s.workers[[1]]!.cached.isSuperset(of: ["f2", "f3"]))
    }

    @Test func anIdleWorkerTakesTheHeadWhenEverythingIsCachedElsewhere() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        var a = ready("a"); a.cached = ["f0", "f1"]
        _ = s.register(routing: [1], ready: a, welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b"), welcome: welcome, now: 0)
        let sent = tasks(s.enqueue(job: 1, stage: filed(["f0", "f1"]), now: 0))
        #expect(sent.count == 2)
        #expect(Set(sent.map { $0.0 }) == [[1], [2]])
    }
}

extension SchedulerTests {
    @Test func pinnedTasksWaitForTheirSessionAndOthersStillFlow() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b"), welcome: welcome, now: 0)
        let sessionB = s.workers[[2]]!.session
        let stage = StagePlan(name: "s", tasks: [TaskPlan(kind: "k", affinity: sessionB), TaskPlan(kind: "k", affinity: sessionB), TaskPlan(kind: "k")])
        let sent = tasks(s.enqueue(job: 1, stage: stage, now: 0))
        // a may not take the pinned tasks: it gets task 2; b takes task 0.
        #expect(sent.map(\.0) == [[1], [2]])
        #expect(sent.map(\.1.task) == [2, 0])
        let after = tasks(s.completed(from: [1], ResultBody(job: 1, task: 2, attempt: sent[0].1.attempt, output: [:], seconds: 0), payload: [], now: 1))
        #expect(after.isEmpty)
        let next = tasks(s.completed(from: [2], ResultBody(job: 1, task: 0, attempt: sent[1].1.attempt, output: [:], seconds: 0), payload: [], now: 1))
        #expect(next.map(\.0) == [[2]] && next.map(\.1.task) == [1])
    }

    /// Of the tasks pinned to one session, the lowest priority goes first whatever the queue
    /// order (svd sends first the blocks whose rows other workers wait for); ties keep the order.
    @Test func pinnedTasksGoLowestPriorityFirst() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a", slots: 1), welcome: welcome, now: 0)
        let session = s.workers[[1]]!.session
        let priorities = [5, 2, 9, 2, 0]
        let stage = StagePlan(name: "s", tasks: priorities.map { TaskPlan(kind: "k", affinity: session, priority: $0) })
        var order = tasks(s.enqueue(job: 1, stage: stage, now: 0))
        for _ in 1 ..< priorities.count {
            let last = order.last!.1
            order += tasks(s.completed(from: [1], ResultBody(job: 1, task: last.task, attempt: last.attempt, output: [:], seconds: 0), payload: [], now: 1))
        }
        #expect(order.map(\.1.task) == [4, 1, 3, 0, 2])
        #expect(order.map(\.1.priority) == [nil, 2, 2, 5, 9], "the TASK body carries the priority (0 left out)")
    }

    @Test func aReplyFromAnAbandonedStageNeverCompletesTheNextStagesTaskOfTheSameIndex() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a"), welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b"), welcome: welcome, now: 0)
        let old = tasks(s.enqueue(job: 1, stage: stage(2), now: 0))
        // The job rolls back: its stage is dropped and planned again while both attempts run.
        s.removeJob(1)
        _ = s.enqueue(job: 1, stage: stage(2), now: 1)
        let late = s.completed(from: [1], ResultBody(job: 1, task: 0, attempt: old[0].1.attempt, output: [:], seconds: 0), payload: [], now: 2)
        #expect(late.contains { if case .stale = $0 { return true }; return false })
        #expect(!late.contains { if case .completed = $0 { return true }; return false })
        let fresh = tasks(late)
        #expect(fresh.count == 1 && fresh[0].1.attempt > old[1].1.attempt)
    }

    @Test func workersWithTwoSlotsGetASecondTaskOnlyOnceEveryWorkerHasOne() {
        var s = Scheduler(heartbeatInterval: 100, deadAfter: 300, maxAttempts: 3)
        _ = s.register(routing: [1], ready: ready("a", slots: 2), welcome: welcome, now: 0)
        _ = s.register(routing: [2], ready: ready("b", slots: 2), welcome: welcome, now: 0)
        _ = s.register(routing: [3], ready: ready("c"), welcome: welcome, now: 0)
        let sent = tasks(s.enqueue(job: 1, stage: stage(6), now: 0))
        // One each first (a, b, c), then the second slots of a and b; task 5 waits.
        #expect(sent.map(\.0) == [[1], [2], [3], [1], [2]])
        #expect(sent.map(\.1.task) == [0, 1, 2, 3, 4])
        #expect(s.queueDepth == 1)
        // a answers its second task first (allowed: replies are matched by attempt, not order).
        let next = tasks(s.completed(from: [1], ResultBody(job: 1, task: 3, attempt: sent[3].1.attempt, output: [:], seconds: 0), payload: [], now: 1))
        #expect(next.map(\.0) == [[1]] && next.map(\.1.task) == [5])
        // b dies holding two tasks: both go back to the front of the queue in the order sent.
        let left = s.disconnected([2], reason: "worker shutting down", now: 2)
        #expect(left.contains { if case .workerLeft("b", _, "worker shutting down", let requeued) = $0 { return requeued.map(\.task) == [1, 4] }; return false })
        #expect(s.queueDepth == 2)
        _ = s.completed(from: [3], ResultBody(job: 1, task: 2, attempt: sent[2].1.attempt, output: [:], seconds: 0), payload: [], now: 3)
        #expect(s.queueDepth == 1)
        #expect(s.workers[[3]]!.running.map(\.key.task) == [1])
    }
}
