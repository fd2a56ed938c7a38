import CineMeshData
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A cluster on this machine, like Spark's `local[N]`: a real coordinator and N real worker
/// processes (this same binary) on loopback ports the system picks. `--local N` starts one for a
/// single command and stops it after; `cinemesh up` starts a lasting one that `cinemesh down`
/// stops, found through `cluster.json` in its directory. A lasting cluster takes the ports of the
/// one before it in the same directory when they are free (`last-endpoints.json`), so a gateway
/// or a dashboard that follows it needs no restart after `down` and `up`.
public struct LocalCluster: Codable, Sendable {
    public static let stateFile = "cluster.json"
    public static let lastEndpointsFile = "last-endpoints.json"

    public var directory: String
    public var coordinator: ChildProcess
    public var workers: [ChildProcess]
    public var endpoints: CoordinatorEndpoints

    /// Starts the coordinator, waits for its endpoints, then starts `workers` workers and waits
    /// until all have registered. `settings` are `--set` overrides passed to every process. With
    /// `reusePorts`, the ports the last cluster in `directory` had are taken again where free
    /// (and new ones picked if the coordinator cannot bind them after all).
    public static func start(binary: String, directory: String, workers count: Int, datasetsDirectory: String,
                             configFile: String?, settings: [String], detached: Bool, reusePorts: Bool = false,
                             timeoutMilliseconds: Int = 20_000) throws -> LocalCluster {
        if reusePorts, let last = lastEndpoints(in: directory) {
            func again(_ endpoint: String?) -> UInt16? { endpoint.flatMap(LoopbackPort.port(of:)).flatMap { LoopbackPort.isFree($0) ? $0 : nil } }
            let ports = (workers: again(last.workers), clients: again(last.clients), metrics: again(last.metrics))
            if ports.workers != nil || ports.clients != nil || ports.metrics != nil {
                do {
                    return try start(binary: binary, directory: directory, workers: count, datasetsDirectory: datasetsDirectory,
                                     configFile: configFile, settings: settings, detached: detached, ports: ports,
                                     timeoutMilliseconds: timeoutMilliseconds)
                } catch {
                    // Taken between the check and the bind: new ports, as for a first `up`.
                }
            }
        }
        return try start(binary: binary, directory: directory, workers: count, datasetsDirectory: datasetsDirectory, configFile: configFile,
                         settings: settings, detached: detached, ports: (nil, nil, nil), timeoutMilliseconds: timeoutMilliseconds)
    }

    private static func start(binary: String, directory: String, workers count: Int, datasetsDirectory: String,
                              configFile: String?, settings: [String], detached: Bool,
                              ports: (workers: UInt16?, clients: UInt16?, metrics: UInt16?),
                              timeoutMilliseconds: Int) throws -> LocalCluster {
        let logs = FileSystem.join(directory, "logs")
        try FileSystem.makeDirectories(logs)
        let state = FileSystem.join(directory, "coordinator")
        try FileSystem.makeDirectories(state)
        let endpointsPath = FileSystem.join(state, CoordinatorEndpoints.fileName)
        unlink(endpointsPath)
        // A cluster of this box alone: plain TCP on loopback, whatever keys the configuration names.
        let common = (configFile.map { ["--config", $0] } ?? []) + settings.flatMap { ["--set", $0] } + ["--set", "security.keys_dir="]
        let coordinator = try ChildProcess.spawn(
            name: "coordinator", executable: binary,
            arguments: ["coordinator"] + common + [
                "--set", "coordinator.workers_endpoint=tcp://127.0.0.1:\(ports.workers.map(String.init) ?? "*")",
                "--set", "coordinator.clients_endpoint=tcp://127.0.0.1:\(ports.clients.map(String.init) ?? "*")",
                "--set", "coordinator.metrics=127.0.0.1:\(ports.metrics ?? 0)",
                "--set", "coordinator.state_dir=\(state)",
                "--set", "coordinator.datasets_dir=\(datasetsDirectory)",
            ],
            log: FileSystem.join(logs, "coordinator.log"), detached: detached)
        var cluster = LocalCluster(directory: directory, coordinator: coordinator, workers: [],
                                   endpoints: CoordinatorEndpoints(workers: "", clients: "", metrics: nil, pid: coordinator.pid))
        let deadline = MonotonicClock.milliseconds() + UInt64(timeoutMilliseconds)
        while true {
            if let bytes = try? FileSystem.readAll(endpointsPath),
               let e = try? JSONDecoder().decode(CoordinatorEndpoints.self, from: Data(bytes)), e.pid == coordinator.pid {
                cluster.endpoints = e
                break
            }
            guard coordinator.isAlive else {
                throw DataError(.io, file: coordinator.log, "the coordinator exited at start-up:\n\(coordinator.logTail())")
            }
            guard MonotonicClock.milliseconds() < deadline else {
                cluster.stop()
                throw DataError(.io, file: coordinator.log, "the coordinator did not come up within \(timeoutMilliseconds) ms")
            }
            usleep(20_000)
        }
        for i in 1 ... max(1, count) {
            cluster.workers.append(try ChildProcess.spawn(
                name: "worker-\(i)", executable: binary,
                arguments: ["worker"] + common + [
                    "--set", "worker.coordinator=\(cluster.endpoints.workers)",
                    "--set", "worker.cache_dir=\(FileSystem.join(directory, "worker-\(i)"))",
                    "--set", "worker.id=local-\(i)",
                    "--set", "worker.metrics=",
                ],
                log: FileSystem.join(logs, "worker-\(i).log"), detached: detached))
        }
        let client = try ClusterClient(endpoint: cluster.endpoints.clients, timeoutMilliseconds: 2000)
        while true {
            if let alive = try? client.workers(), alive.count >= cluster.workers.count { break }
            if let dead = cluster.workers.first(where: { !$0.isAlive }) {
                cluster.stop()
                throw DataError(.io, file: dead.log, "\(dead.name) exited at start-up:\n\(dead.logTail())")
            }
            guard MonotonicClock.milliseconds() < deadline else {
                cluster.stop()
                throw DataError(.io, file: logs, "the workers did not all register within \(timeoutMilliseconds) ms")
            }
            usleep(50_000)
        }
        return cluster
    }

    /// SIGTERM to every process (workers first), then SIGKILL to any still running after
    /// `graceMilliseconds`.
    public func stop(graceMilliseconds: Int = 10_000) {
        let all = workers + [coordinator]
        for p in workers { p.signal(SIGTERM) }
        for p in workers { _ = p.waitForExit(milliseconds: graceMilliseconds) }
        coordinator.signal(SIGTERM)
        _ = coordinator.waitForExit(milliseconds: graceMilliseconds)
        for p in all where p.isAlive {
            p.signal(SIGKILL)
            _ = p.waitForExit(milliseconds: 2000)
        }
    }

    /// Records the lasting cluster (and its endpoints, for the next `up` to take again).
    public func save() throws {
        _ = try AtomicFile.write(try JSON.encode(self), to: FileSystem.join(directory, Self.stateFile))
        _ = try AtomicFile.write(try JSON.encode(endpoints), to: FileSystem.join(directory, Self.lastEndpointsFile))
    }

    /// The endpoints of the last lasting cluster started in `directory`, running or not.
    public static func lastEndpoints(in directory: String) -> CoordinatorEndpoints? {
        guard let bytes = try? FileSystem.readAll(FileSystem.join(directory, lastEndpointsFile)) else { return nil }
        return try? JSONDecoder().decode(CoordinatorEndpoints.self, from: Data(bytes))
    }

    /// The lasting cluster recorded in `directory`, if its coordinator is still running.
    public static func running(in directory: String) -> LocalCluster? {
        guard let bytes = try? FileSystem.readAll(FileSystem.join(directory, stateFile)),
              let cluster = try? JSONDecoder().decode(LocalCluster.self, from: Data(bytes)),
              cluster.coordinator.isAlive else { return nil }
        return cluster
    }

    /// The cluster recorded in `directory` whose coordinator has died, with the workers it
    /// left still running (checked by their command line, so a reused pid is never taken for one).
    public static func orphans(in directory: String) -> [ChildProcess] {
        guard let bytes = try? FileSystem.readAll(FileSystem.join(directory, stateFile)),
              let cluster = try? JSONDecoder().decode(LocalCluster.self, from: Data(bytes)),
              !cluster.coordinator.isAlive else { return [] }
        return cluster.workers.filter { w in
            // /proc files have no size: read them as a stream.
            guard w.isAlive, let cmdline = FileManager.default.contents(atPath: "/proc/\(w.pid)/cmdline") else { return false }
            let text = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return text.contains("cinemesh") && text.contains(" worker ")
        }
    }

    public static func forget(in directory: String) {
        unlink(FileSystem.join(directory, stateFile))
    }
}
