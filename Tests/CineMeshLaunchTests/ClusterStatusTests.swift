import CineMeshCluster
import CineMeshData
@testable import CineMeshLaunch
import Testing

/// `cluster status` from made-up answers of the boxes: no ssh.
@Suite struct ClusterStatusTests {
    let hosts = try! ClusterHosts(parsing: ClusterHostsTests.good + "\n[hosts.c]\naddress = \"10.0.0.3\"\nroles = [\"worker\"]\n", file: "hosts.toml")

    func worker(_ key: String?, id: String) -> WorkerInfo {
        WorkerInfo(workerId: id, host: id, key: key, pid: 7, capacity: WorkerCapacity(cores: 2, memoryBytes: 1, diskFreeBytes: 1),
                   activity: "idle", tasksDone: 4, silentMilliseconds: 20, upSeconds: 9)
    }

    func answers(workers: [WorkerInfo], c: Result<[String: String], SSH.Failure>? = nil, version: String = "cinemesh 0.1.0 (commit abc)") throws
        -> [Result<[String: String], SSH.Failure>] {
        let json = String(decoding: try JSON.encode(workers), as: UTF8.self)
        let running = "active|running|0|Sun 2026-12-06 10:00:00 UTC|listening"
        return [
            .success(["version": "cinemesh 0.1.0 (commit abc)", "unit.coordinator": running, "unit.gateway": running, "workers": json]),
            .success(["version": "cinemesh 0.1.0 (commit abc)", "unit.worker": running]),
            c ?? .success(["version": version, "unit.worker": "active|running|2||serving"]),
        ]
    }

    @Test func allActiveAndRegisteredIsHealthy() throws {
        let status = ClusterStatus(hosts: hosts, answers: try answers(workers: [worker("b", id: "b"), worker("c", id: "c")]))
        #expect(status.healthy, "\(status.problems)")
        #expect(status.rows.map { "\($0.box) \($0.role)" } == ["a coordinator", "a gateway", "b worker", "c worker"])
        #expect(status.rows[0].detail.hasPrefix("2 of 2 worker boxes registered"))
        #expect(status.rows[2].detail.hasPrefix("registered as b, idle, 4 tasks done"))
        #expect(status.rows[3].detail.hasSuffix("systemd restarted it 2 times"))
        #expect(status.table.hasSuffix("healthy"))
    }

    @Test func anUnreachableBoxAnUnregisteredWorkerAndTwoVersionsAreEachNamed() throws {
        let gone = SSH.Failure(box: "c", step: "status", message: "ssh could not reach it: No route to host")
        let status = ClusterStatus(hosts: hosts, answers: try answers(workers: [worker("x", id: "x")], c: .failure(gone)))
        #expect(status.problems == ["b: the worker is not registered with the coordinator", "c: unreachable: ssh could not reach it: No route to host"])
        #expect(status.rows[0].detail.hasPrefix("0 of 2 worker boxes registered, and 1 workers not in the hosts file"))
        #expect(status.rows[3].state == "unreachable")
        let mixed = ClusterStatus(hosts: hosts, answers: try answers(workers: [worker("b", id: "b"), worker("c", id: "c")], version: "cinemesh 0.2.0 (commit def)"))
        #expect(mixed.problems == ["the boxes run different versions: cinemesh 0.1.0 (commit abc); cinemesh 0.2.0 (commit def) (run cinemesh cluster up with one package)"])
    }

    @Test func aStoppedUnitAndASilentCoordinatorAreProblems() throws {
        var list = try answers(workers: [])
        list[0] = .success(["version": "cinemesh 0.1.0 (commit abc)", "unit.coordinator": "inactive|dead|0||", "unit.gateway": "failed|failed|5||",
                            "workers-error": "cinemesh: error: no answer from tcp://10.0.0.1:7701 "])
        let status = ClusterStatus(hosts: hosts, answers: list)
        #expect(status.problems.contains("a: the coordinator does not answer: cinemesh: error: no answer from tcp://10.0.0.1:7701 "))
        #expect(status.problems.contains("a: cinemesh-coordinator.service is inactive (dead)"))
        #expect(status.problems.contains("a: cinemesh-gateway.service is failed (failed)"))
        #expect(!status.healthy)
    }
}
