import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a lasting local cluster (coordinator and workers on loopback) in the background.",
        discussion: """
        Its files (job registry, shard caches, logs) live in $CINEMESH_HOME/cluster (default .cinemesh/cluster). \
        Client commands (submit, jobs, status, cancel, workers) find it there. `cinemesh down` stops it. \
        It takes the ports of the last cluster `up` started there when they are free, so a gateway that follows it \
        carries on after `down` and `up`.
        """
    )

    @Option(help: "Worker processes to start.")
    var workers = 2

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        try reportingErrors {
            guard (1 ... 64).contains(workers) else { throw DataError(.usage, "--workers takes 1 to 64") }
            let directory = CineMeshHome.cluster
            if let running = LocalCluster.running(in: directory) {
                throw DataError(.usage, "a local cluster is already running (coordinator pid \(running.coordinator.pid), clients \(running.endpoints.clients)); `cinemesh down` stops it")
            }
            let config = try cluster.load()
            let started = try LocalCluster.start(binary: SelfBinary.path, directory: directory, workers: workers,
                                                 datasetsDirectory: absolute(config.coordinatorDatasetsDirectory),
                                                 configFile: cluster.configFile.map(absolute), settings: cluster.settings, detached: true,
                                                 reusePorts: true)
            try started.save()
            print("local cluster up: coordinator pid \(started.coordinator.pid), \(workers) workers")
            print("  workers endpoint  \(started.endpoints.workers)")
            print("  clients endpoint  \(started.endpoints.clients)")
            if let m = started.endpoints.metrics { print("  metrics           http://\(m)/metrics") }
            print("  logs              \(FileSystem.join(directory, "logs"))")
        }
    }

    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the local cluster started by `cinemesh up` (SIGTERM, then SIGKILL after 10 s).",
        discussion: "Running and queued jobs are left to the next `cinemesh up`, which resumes them (svd and ALS from their last checkpoint); `cinemesh cancel` ends a job for good.")

    func run() throws {
        try reportingErrors {
            let directory = CineMeshHome.cluster
            guard let cluster = LocalCluster.running(in: directory) else {
                // A coordinator that died leaves its workers retrying: stop them too.
                let orphans = LocalCluster.orphans(in: directory)
                for w in orphans { w.signal(SIGTERM) }
                for w in orphans where !w.waitForExit(milliseconds: 10_000) { w.signal(SIGKILL) }
                LocalCluster.forget(in: directory)
                print(orphans.isEmpty ? "no local cluster is running"
                    : "the coordinator was gone; stopped the \(orphans.count) workers it left")
                return
            }
            cluster.stop()
            LocalCluster.forget(in: directory)
            print("local cluster stopped (coordinator pid \(cluster.coordinator.pid), \(cluster.workers.count) workers)")
        }
    }
}
