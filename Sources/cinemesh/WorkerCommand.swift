import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation
import Logging
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: registers with the coordinator, fetches the shards its tasks need into a local cache, runs tasks.",
        discussion: """
        Reconnects with backoff (heartbeat.reconnect_initial_ms doubling to heartbeat.reconnect_max_ms) whenever \
        the coordinator falls silent, and registers again. Its id is kept in the cache directory so a restarted \
        worker is the same worker. Stops cleanly on SIGTERM or SIGINT: the tasks it is running finish (5 s at \
        most) and their results are sent, then it tells the coordinator, which reruns the rest at once. An endpoint that is not a coordinator's workers endpoint (its clients one, say), or a \
        coordinator of another protocol version, stops it with an error instead (exit 64 or 76): no retry can help. \
        Started by systemd (Type=notify), it reports ready once started, whether or not the coordinator is up.
        """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The coordinator's workers endpoint, e.g. tcp://10.0.0.5:7700 (worker.coordinator).")
    var coordinator: String?

    @Option(help: "Shard cache directory (worker.cache_dir).")
    var cacheDir: String?

    @Option(help: "Worker id (worker.id; default: generated once, kept in the cache).")
    var id: String?

    @Option(help: "HOST:PORT for /metrics (worker.metrics; default off).")
    var metrics: String?

    func run() async throws {
        HeapTuning.keepFreedMemory()
        try await reportingErrorsAsync {
            var extra: [String] = []
            if let coordinator { extra.append("worker.coordinator=\(coordinator)") }
            if let cacheDir { extra.append("worker.cache_dir=\(cacheDir)") }
            if let id { extra.append("worker.id=\(id)") }
            if let metrics { extra.append("worker.metrics=\(metrics)") }
            let config = try cluster.load(extra)
            Logs.bootstrap(level: config.logLevel)
            let registry = MetricsEndpoint.bootstrap()
            let logger = Logger(label: "cinemesh.worker")
            let worker = try Worker(config: config, runners: JobCatalog.runners, logger: logger)
            // Ready under systemd once started, not once registered: a worker waiting for its
            // coordinator (another box, booting later) is doing its job, reconnecting with backoff.
            let notifier = SystemdNotifier(logger: logger)
            let loop = LoopService(name: "worker", loop: {
                notifier.ready(status: "serving the coordinator at \(config.workerCoordinator)")
                worker.run()
            }, stop: {
                notifier.stopping()
                worker.requestStop()
            })
            // The loop ends by itself only when the coordinator refused this worker for good
            // (said below): the rest then shuts down as on SIGTERM.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup)]
            if let address = HostPort(config.workerMetrics) {
                services.append(.init(service: MetricsEndpoint.service(address: address, registry: registry, logger: logger) { port in
                    logger.info("metrics at http://\(address.host):\(port)/metrics")
                }))
            }
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            if let refusal = worker.refusal {
                throw refused(refusal, peer: "worker", setting: "worker.coordinator", endpoint: config.workerCoordinator)
            }
        }
    }
}
