import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import Foundation
import Logging
import ServiceLifecycle

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator: accepts workers and jobs, ships shards, merges results, keeps the job registry.",
        discussion: """
        Binds coordinator.workers_endpoint (workers) and coordinator.clients_endpoint (submit, jobs, status, \
        cancel, workers) and serves Prometheus metrics on coordinator.metrics. Writes the endpoints actually \
        bound to STATE_DIR/endpoints.json. Keeps running jobs' checkpoints in STATE_DIR/checkpoints. Stops \
        cleanly on SIGTERM or SIGINT: workers are told to reconnect, and running and queued jobs are left for \
        the next coordinator on STATE_DIR, which resumes them (from their last checkpoint where they keep one) \
        as it does after a kill. Started by systemd (Type=notify), it reports ready once \
        both endpoints are bound.
        """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Workers endpoint to bind (coordinator.workers_endpoint).")
    var bind: String?

    @Option(help: "Clients endpoint to bind (coordinator.clients_endpoint).")
    var clients: String?

    @Option(help: "State directory: job registry and endpoints.json (coordinator.state_dir).")
    var stateDir: String?

    @Option(help: "Where dataset names in job specs are looked up (coordinator.datasets_dir).")
    var datasetsDir: String?

    @Option(help: "HOST:PORT for /metrics, \"\" to turn it off (coordinator.metrics).")
    var metrics: String?

    func run() async throws {
        HeapTuning.keepFreedMemory()
        try await reportingErrorsAsync {
            var extra: [String] = []
            if let bind { extra.append("coordinator.workers_endpoint=\(bind)") }
            if let clients { extra.append("coordinator.clients_endpoint=\(clients)") }
            if let stateDir { extra.append("coordinator.state_dir=\(stateDir)") }
            if let datasetsDir { extra.append("coordinator.datasets_dir=\(datasetsDir)") }
            if let metrics { extra.append("coordinator.metrics=\(metrics)") }
            let config = try cluster.load(extra)
            Logs.bootstrap(level: config.logLevel)
            let registry = MetricsEndpoint.bootstrap()
            let logger = Logger(label: "cinemesh.coordinator")
            let coordinator = try Coordinator(config: config, jobTypes: JobCatalog.types, logger: logger)
            let endpointsPath = FileSystem.join(config.coordinatorStateDirectory, CoordinatorEndpoints.fileName)
            let publish: @Sendable (String?) -> Void = { metricsAddress in
                let e = CoordinatorEndpoints(workers: coordinator.endpoints.workers, clients: coordinator.endpoints.clients,
                                             metrics: metricsAddress, pid: getpid())
                do { _ = try AtomicFile.write(try JSON.encode(e), to: endpointsPath) } catch {
                    logger.error("cannot write \(endpointsPath): \(error)")
                }
            }
            // Under systemd (Type=notify) the unit is started once both endpoints are bound.
            let notifier = SystemdNotifier(logger: logger)
            var services: [any Service] = [LoopService(name: "coordinator", loop: {
                notifier.ready(status: "workers at \(coordinator.endpoints.workers), clients at \(coordinator.endpoints.clients)")
                coordinator.run()
            }, stop: {
                notifier.stopping()
                coordinator.requestStop()
            })]
            if let address = HostPort(config.coordinatorMetrics) {
                services.append(MetricsEndpoint.service(address: address, registry: registry, logger: logger) { port in
                    logger.info("metrics at http://\(address.host):\(port)/metrics")
                    publish("\(address.host):\(port)")
                })
            } else {
                publish(nil)
            }
            let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
