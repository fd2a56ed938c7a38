@testable import CineMeshCluster
import Testing

/// The worker's state machine alone: no sockets, no threads, made-up times. Heartbeat 100 ms,
/// silence limit 300 ms until WELCOME gives 50 x 4, backoff 1000 doubling to 4000, drain 2000.
@Suite struct WorkerSessionTests {
    let welcome = try! Message(.welcome, WelcomeBody(coordinatorId: "c", heartbeatMilliseconds: 50, liveness: 4, chunkBytes: 1024, window: 2))

    func session() -> WorkerSession {
        WorkerSession(slots: 2, kinds: ["k"], heartbeat: 100, deadAfter: 300, initialBackoff: 1000, maximumBackoff: 4000, drainLimit: 2000)
    }

    /// A session registered at time 0.
    func registered() -> WorkerSession {
        var s = session()
        _ = s.start(now: 0)
        _ = s.received(welcome, now: 0)
        return s
    }

    func task(_ n: Int, kind: String = "k", job: Int64 = 1) -> Message {
        Message(.task, TaskBody(job: job, task: n, attempt: n + 1, kind: kind, stage: "s", parameters: [:], files: []))
    }

    /// The commands of the messages sent among `actions`.
    func sent(_ actions: [WorkerSession.Action]) -> [Command] {
        actions.compactMap { if case .send(let m) = $0 { return m.command }; return nil }
    }

    func failures(_ actions: [WorkerSession.Action]) -> [FailedBody] {
        actions.compactMap { if case .send(let m) = $0, m.command == .failed { return try? m.decode(FailedBody.self) }; return nil }
    }

    func reconnects(_ actions: [WorkerSession.Action]) -> [(why: String, after: UInt64, silent: Bool)] {
        actions.compactMap { if case .reconnect(let why, let after, let silent) = $0 { return (why, after, silent) }; return nil }
    }

    func taken(_ actions: [WorkerSession.Action]) -> [(task: Int, session: UInt64)] {
        actions.compactMap { if case .take(let t, _, let s) = $0 { return (t.task, s) }; return nil }
    }

    func exits(_ actions: [WorkerSession.Action]) -> Bool {
        actions.contains { if case .exit = $0 { return true }; return false }
    }

    @Test func noWelcomeWithinTheSilenceLimitReconnectsAfterABackoffThatDoublesUpToItsMaximum() {
        var s = session()
        let first = s.start(now: 0)
        guard case .connect(session: 1)? = first.first else { Issue.record("\(first)"); return }
        #expect(s.phase == .registering)
        #expect(s.tick(now: 300).isEmpty)
        #expect(sent(s.tick(now: 200)).isEmpty, "no heartbeats before WELCOME")
        let lost = reconnects(s.tick(now: 301))
        #expect(lost.count == 1 && lost[0].why == "no WELCOME within 301 ms" && lost[0].after == 1000 && lost[0].silent)
        #expect(s.phase == .waiting(until: 1301))
        #expect(s.tick(now: 1300).isEmpty)
        let again = s.tick(now: 1301)
        guard case .connect(session: 2)? = again.first else { Issue.record("\(again)"); return }
        #expect(s.phase == .registering)
        // Each further failure doubles the wait, up to the maximum.
        var now: UInt64 = 1301
        var waits: [UInt64] = []
        for _ in 0 ..< 4 {
            now += 301
            let r = reconnects(s.tick(now: now))
            waits += r.map(\.after)
            now += r.first?.after ?? 0
            _ = s.tick(now: now)
        }
        #expect(waits == [2000, 4000, 4000, 4000])
        #expect(s.session == 6)
    }

    @Test func welcomeRegistersUnderTheCoordinatorsRulesAndResetsTheBackoff() {
        var s = session()
        _ = s.start(now: 0)
        _ = s.tick(now: 301)          // backoff 1000, next 2000
        _ = s.tick(now: 1301)
        let actions = s.received(welcome, now: 1400)
        guard case .registered(let body)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(body.chunkBytes == 1024 && body.window == 2)
        #expect(s.phase == .registered)
        // WELCOME's heartbeat 50 x liveness 4: silent past 200 ms now, and the backoff is 1000 again.
        #expect(reconnects(s.tick(now: 1600)).isEmpty)
        let lost = reconnects(s.tick(now: 1601))
        #expect(lost.map(\.why) == ["coordinator silent for 201 ms"] && lost.map(\.after) == [1000])
    }

    @Test func aRegisteredWorkerHeartbeatsWhenItSentNothingForAnInterval() {
        var s = registered()
        #expect(sent(s.tick(now: 49)).isEmpty)
        #expect(sent(s.tick(now: 50)) == [.heartbeat])
        #expect(sent(s.tick(now: 60)).isEmpty)
        // Anything else sent (a RESULT, a FETCH) postpones the next heartbeat.
        s.sent(now: 90)
        #expect(sent(s.tick(now: 139)).isEmpty)
        _ = s.received(Message(.heartbeat), now: 139)
        #expect(sent(s.tick(now: 140)) == [.heartbeat])
    }

    @Test func aSilentCoordinatorOrItsDisconnectEndsTheSessionAndTheWorkerRegistersAgain() {
        var s = registered()
        _ = s.received(task(0), now: 10)
        #expect(s.tasksInFlight == 1)
        // Heard at 100 (a heartbeat), silent after 300.
        _ = s.received(Message(.heartbeat), now: 100)
        #expect(reconnects(s.tick(now: 300)).isEmpty)
        let lost = reconnects(s.tick(now: 301))
        #expect(lost.map(\.why) == ["coordinator silent for 201 ms"] && lost.map(\.silent) == [true])
        #expect(s.tasksInFlight == 0 && s.phase == .waiting(until: 1301))
        #expect(s.received(task(1), now: 400).isEmpty, "no connection while waiting")
        _ = s.tick(now: 1301)
        _ = s.received(welcome, now: 1310)
        // The coordinator restarted and does not know us: DISCONNECT, then the next backoff.
        let told = try! Message(.disconnect, DisconnectBody(reason: "unknown worker"))
        let gone = reconnects(s.received(told, now: 1400))
        #expect(gone.map(\.why) == ["coordinator said DISCONNECT: unknown worker"] && gone.map(\.after) == [1000] && gone.map(\.silent) == [false])
        #expect(s.phase == .waiting(until: 2400))
    }

    @Test func aResultFromBeforeAReconnectIsDropped() {
        var s = registered()
        let first = taken(s.received(task(0), now: 1))
        #expect(first.map(\.session) == [1])
        _ = s.tick(now: 301)          // silent: session 1 ends
        // Its task finishes during the backoff, then after the next registration: dropped both times.
        guard case .dropReply? = s.finished(session: 1, now: 500).first else { Issue.record("forwarded during the backoff"); return }
        _ = s.tick(now: 1301)
        _ = s.received(welcome, now: 1302)
        let second = taken(s.received(task(1), now: 1303))
        #expect(second.map(\.session) == [2])
        guard case .dropReply? = s.finished(session: 1, now: 1304).first else { Issue.record("an old session's result went out"); return }
        #expect(s.tasksInFlight == 1)
        guard case .forwardReply? = s.finished(session: 2, now: 1305).first else { Issue.record("the current result was dropped"); return }
        #expect(s.tasksInFlight == 0)
    }

    @Test func tasksBeyondTheSlotsOrOfAnUnknownKindAreAnsweredFailed() {
        var s = registered()
        #expect(taken(s.received(task(0), now: 1)).count == 1)
        #expect(taken(s.received(task(1), now: 1)).count == 1)
        let busy = failures(s.received(task(2), now: 1))
        #expect(busy.count == 1 && busy[0].retryable && busy[0].notReady == true && busy[0].message == "worker busy with 2 tasks")
        _ = s.finished(session: 1, now: 2)
        let unknown = failures(s.received(task(3, kind: "other"), now: 3))
        #expect(unknown.count == 1 && !unknown[0].retryable && unknown[0].message.contains("no runner for task kind 'other'"))
        // A task whose transfer cannot start gives its slot back.
        let tooMany = s.received(task(4), now: 4)
        #expect(taken(tooMany).count == 1 && s.tasksInFlight == 2)
        let notTaken = failures(s.notTaken(TaskBody(job: 1, task: 4, attempt: 5, kind: "k", stage: "s", parameters: [:], files: []),
                                           because: TaskError("no space left"), now: 5))
        #expect(notTaken.map(\.task) == [4] && notTaken.allSatisfy(\.retryable) && s.tasksInFlight == 1)
    }

    @Test func jobEndedDropsTheJobsTasksNotStartedAndWhatTheRunnersKeep() {
        var s = registered()
        _ = s.received(task(0, job: 7), now: 1)
        _ = s.received(task(1, job: 8), now: 1)
        let actions = s.received(try! Message(.jobEnded, JobEndedBody(job: 7)), now: 2)
        guard actions.count == 2, case .dropTasks(job: 7, reason: "job 7 ended", retryable: false) = actions[0], case .forgetJob(7) = actions[1] else {
            Issue.record("\(actions)")
            return
        }
        // The worker found one of them not started yet.
        #expect(s.released(1, now: 3).isEmpty && s.tasksInFlight == 1)
    }

    @Test func aStopWithNothingUnderWayLeavesAtOnce() {
        var s = registered()
        let actions = s.stop(now: 5)
        #expect(sent(actions) == [.disconnect] && exits(actions) && s.phase == .stopped)
        #expect(s.tick(now: 10_000).isEmpty && s.received(task(0), now: 10_001).isEmpty)
        // Not connected (waiting out a backoff): nothing to say goodbye on.
        var waiting = registered()
        _ = waiting.tick(now: 301)
        let quiet = waiting.stop(now: 400)
        #expect(sent(quiet).isEmpty && exits(quiet))
    }

    @Test func drainingFinishesTheRunningTasksThenSaysGoodbye() {
        var s = registered()
        _ = s.received(task(0), now: 1)
        _ = s.received(task(1), now: 1)
        let stop = s.stop(now: 10)
        guard stop.count == 1, case .withdraw = stop[0] else { Issue.record("\(stop)"); return }
        #expect(s.phase == .draining(until: 2010))
        // Task 1 had not started: taken back, unanswered (the DISCONNECT returns it); task 0 runs on.
        #expect(s.released(1, now: 11).isEmpty)
        #expect(s.tasksInFlight == 1)
        // Meanwhile a TASK that crossed the stop is held, heartbeats go on, nothing is fetched.
        #expect(s.received(task(2), now: 20).isEmpty)
        #expect(s.received(Message(.chunk, body: Array(#"{"xxh64":"a","offset":0}"#.utf8), payload: [[1]]), now: 21).isEmpty)
        #expect(sent(s.tick(now: 80)) == [.heartbeat])
        #expect(s.stop(now: 90).isEmpty, "a second stop changes nothing")
        let last = s.finished(session: 1, now: 100)
        guard case .forwardReply? = last.first else { Issue.record("\(last)"); return }
        #expect(sent(last) == [.disconnect] && exits(last) && s.phase == .stopped)
    }

    @Test func aDrainEndsAtItsLimitWhenTheCoordinatorFallsSilentOrSaysDisconnect() {
        // At the limit.
        var s = registered()
        _ = s.received(task(0), now: 1)
        _ = s.stop(now: 10)
        _ = s.released(0, now: 10)
        for now in stride(from: UInt64(50), through: 2000, by: 50) {
            _ = s.received(Message(.heartbeat), now: now)
            #expect(!exits(s.tick(now: now)))
        }
        #expect(!exits(s.tick(now: 2009)))
        let late = s.tick(now: 2010)
        #expect(sent(late) == [.disconnect] && exits(late))
        #expect(s.finished(session: 1, now: 2020).map { if case .dropReply = $0 { true } else { false } } == [true])
        // Silent coordinator.
        var silent = registered()
        _ = silent.received(task(0), now: 1)
        _ = silent.stop(now: 10)
        #expect(!exits(silent.tick(now: 201)), "heard at 1: 200 ms of silence is still within the limit")
        let gone = silent.tick(now: 202)
        #expect(exits(gone) && silent.phase == .stopped)
        // DISCONNECT: the coordinator no longer knows this session; no goodbye is owed.
        var told = registered()
        _ = told.received(task(0), now: 1)
        _ = told.stop(now: 10)
        let bye = told.received(try! Message(.disconnect, DisconnectBody(reason: "coordinator shutting down")), now: 20)
        #expect(sent(bye).isEmpty && exits(bye))
    }

    @Test func anErrorRefusingTheWorkerForGoodStopsItWithoutAGoodbyeAndOthersAreLogged() {
        var s = session()
        _ = s.start(now: 0)
        let other = s.received(try! Message(.error, ErrorBody(code: "malformed", message: "bad FETCH")), now: 1)
        guard other.count == 1, case .coordinatorError(let body) = other[0] else { Issue.record("\(other)"); return }
        #expect(body.code == "malformed" && s.phase == .registering)
        let refusal = s.received(try! Message(.error, ErrorBody(code: "wrong-endpoint", message: "this is the coordinator's clients endpoint")), now: 2)
        guard refusal.count == 2, case .refused(let r) = refusal[0] else { Issue.record("\(refusal)"); return }
        #expect(r.isWrongEndpoint && sent(refusal).isEmpty && exits(refusal) && s.phase == .stopped)
        // Messages no worker is sent are protocol errors, and do not change the phase.
        var t = registered()
        let odd = t.received(Message(.submit, body: Array("{}".utf8)), now: 1)
        guard case .protocolError(let why)? = odd.first else { Issue.record("\(odd)"); return }
        #expect(why.contains("not sent to workers") && t.phase == .registered)
    }
}
