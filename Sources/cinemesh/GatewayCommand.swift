import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshServing
import CineMeshStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve recommendations over HTTP from the newest model of a model store, or of the coordinator, hot-swapping to newer versions.",
        discussion: """
        Endpoints: GET /v1/users/{user}/recommendations?n=&genre=&exclude_seen=, /v1/items/{item}/similar?n=, \
        /v1/users/{user}/items/{item}/prediction, /v1/popular?n=&genre=, /v1/model, /healthz, /readyz, /metrics. \
        Every answer names the model (its name and version) that produced it; errors are JSON {"error": {"code", "message"}}. \
        A damaged model file is refused with a log line and the current model keeps serving.

        Where new models come from: by default the --models store is checked for a newer version every --poll-ms. \
        With --coordinator (or gateway.coordinator in the configuration) the gateway follows the coordinator \
        instead, from any box: it is told of every model a training job publishes, fetches the file in checksummed \
        chunks into --models (its local replica, created if missing, versions numbered as on the coordinator) and \
        serves it; while the coordinator is away it keeps serving and reconnects with backoff \
        (heartbeat.reconnect_initial_ms doubling to heartbeat.reconnect_max_ms). A coordinator of another \
        protocol version, or an endpoint that is not a coordinator's clients endpoint, stops the gateway with an \
        error instead (exit 76 or 64): no retry can help. Started by systemd (Type=notify), it reports ready once \
        it listens.

        A gateway serves models by name (train --name; by default DATASET/ALGORITHM, e.g. ml-100k/svd): the names \
        given with --model (the first answers requests, ?model=NAME picks another), or else the newest model's, and \
        never swaps to a model of another name when one is published.

        Examples:
          cinemesh train datasets/ml-100k --local 2 --store models/ml-100k
          cinemesh gateway --models models/ml-100k --port 8080
          curl 'http://127.0.0.1:8080/v1/users/196/recommendations?n=5'

          cinemesh gateway --coordinator tcp://10.0.0.5:7701 --models /var/lib/cinemesh/models --port 8080

          cinemesh up --workers 2 && cinemesh gateway --cluster --models models/replica &
          cinemesh train datasets/ml-100k --cluster      # the gateway serves the model when the job ends
        """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Model store directory (`cinemesh train --store`); with --coordinator, the local replica of the coordinator's models (created if missing).")
    var models: String

    @Option(help: "Follow the coordinator at this clients endpoint for new models, e.g. tcp://10.0.0.5:7701 (gateway.coordinator).")
    var coordinator: String?

    @Flag(name: .customLong("cluster"), help: "Follow the lasting local cluster (`cinemesh up`) in $CINEMESH_HOME, as `train --cluster` submits to it.")
    var followCluster = false

    @Option(name: .customLong("model"), help: ArgumentHelp("A model name to serve (repeatable; default: the newest model's name).", valueName: "name"))
    var modelNames: [String] = []

    @Option(name: .customLong("neighbors"), help: ArgumentHelp("An item-neighbour model file for GET /v1/items/{item}/similar?by=ratings (cinemesh train --algo item-knn --save) or by=content (cinemesh similar DATASET --save); repeatable, one of each kind.", valueName: "file"))
    var neighborFiles: [String] = []

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start; default gateway.port, 8080).")
    var port: Int?

    @Option(help: "How often to look for a newer model version in --models, in milliseconds (without --coordinator).")
    var pollMs = 1000

    @Option(help: "The dataset POST /v1/query reads when a request names none (following a coordinator).")
    var queryDataset: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        try await reportingErrorsAsync {
            guard (50 ... 600_000).contains(pollMs) else { throw DataError(.usage, "--poll-ms takes 50 to 600000") }
            var endpoint = coordinator
            if followCluster {
                guard coordinator == nil else { throw DataError(.usage, "give --cluster or --coordinator, not both") }
                guard let running = LocalCluster.running(in: CineMeshHome.cluster) else {
                    throw DataError(.usage, "--cluster: no local cluster runs in \(CineMeshHome.cluster) (start one with cinemesh up)")
                }
                endpoint = running.endpoints.clients
            }
            let config = try cluster.load(endpoint.map { ["gateway.coordinator=\($0)"] } ?? [])
            let following = !config.gatewayCoordinator.isEmpty
            guard following || FileSystem.isDirectory(models) else { throw DataError(.usage, file: models, "no such model store directory") }
            Logs.bootstrap(level: logLevel)
            // Request handlers then run on the event loop that read the request instead of hopping
            // to Swift's own thread pool and back: about a fifth more requests per second here.
            // Everything that blocks runs on threads of its own (model loading, the subscriber,
            // batch requests).
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            let registry = MetricsEndpoint.bootstrap()
            let logger = Logger(label: "cinemesh.gateway")
            let neighbors = try NeighborFiles(paths: neighborFiles)
            let store = try ModelStore(directory: models)
            for name in modelNames where !ModelStore.isValidName(name) { throw DataError(.usage, "--model \(name): not a model name") }
            let holders = ModelHolders(modelNames.isEmpty ? [ModelHolder()] : modelNames.map { ModelHolder(name: $0) })
            let swaps = Counter(label: "cinemesh_gateway_model_swaps_total")
            let version = Gauge(label: "cinemesh_gateway_model_version")
            let refresh: @Sendable () -> Void = {
                for holder in holders.all {
                    let before = holder.swaps
                    holder.refresh(from: store, logger: logger)
                    if holder.swaps != before { swaps.increment() }
                }
                version.record(holders.first.current?.version ?? 0)
            }
            refresh()
            let notifier = SystemdNotifier(logger: logger)
            let subscriber = following ? try ModelSubscriber(config: config, store: store, names: modelNames, logger: logger) { _ in refresh() } : nil
            let feed = subscriber.map { follow($0, notifier) } ?? poll(refresh, notifier)
            let port = self.port ?? config.gatewayPort
            guard (0 ... 65535).contains(port) else { throw DataError(.usage, "--port takes 0 to 65535") }
            let queries = following ? ClusterQueryService(endpoint: config.gatewayCoordinator, clientTimeoutMilliseconds: config.clientTimeoutMilliseconds,
                                                          security: try ClusterSecurity.client(config, role: .gateway, endpoint: config.gatewayCoordinator)) : nil
            let app = Application(router: GatewayRoutes.router(holders: holders, registry: registry, queries: queries,
                                                                queryLimits: QueryLimits(defaultDataset: queryDataset),
                                                                access: try access(config, queries: queries != nil),
                                                                neighbors: neighbors),
                                  configuration: .init(address: .hostname(host, port: port), serverName: "cinemesh-gateway"),
                                  onServerRunning: { channel in
                                      let address = "http://\(host):\(channel.localAddress?.port ?? port)"
                                      logger.info("gateway listening on \(address)")
                                      notifier.ready(status: "listening on \(address)")
                                  },
                                  logger: logger)
            // The feed ends by itself only when the coordinator refused this gateway for good (said
            // below): the server then shuts down as on SIGTERM. (Cancelling the group instead, as
            // a service that ends unexpectedly does, can hang in the server's start-up.)
            let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: feed, successTerminationBehavior: .gracefullyShutdownGroup)],
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            if let refusal = subscriber?.refusal {
                throw refused(refusal, peer: "gateway", setting: "gateway.coordinator", endpoint: config.gatewayCoordinator)
            }
        }
    }

    /// The access rules: the token from gateway.token_file (required for queries off loopback)
    /// and the per-client rate limit.
    private func access(_ config: ClusterConfig, queries: Bool) throws -> GatewayAccess {
        let token = config.gatewayTokenFile.isEmpty ? nil : try GatewayAccess.readToken(config.gatewayTokenFile)
        if token == nil && queries && !ClusterSecurity.isLocal("tcp://\(host):0") {
            throw ConfigError(origin: "gateway.token_file", "a gateway on \(host) that answers /v1/query needs a bearer token file (docs/SECURITY.md)")
        }
        let limiter = config.gatewayRateLimit > 0 ? RateLimiter(perSecond: config.gatewayRateLimit, burst: config.gatewayRateBurst) : nil
        return GatewayAccess(token: token, limiter: limiter)
    }

    /// Looks at the store for a newer version every --poll-ms, on a thread of its own. Stopping
    /// it is the gateway stopping: systemd hears so.
    private func poll(_ refresh: @escaping @Sendable () -> Void, _ notifier: SystemdNotifier) -> LoopService {
        let stop = Lock(), interval = UInt32(pollMs) * 1000
        nonisolated(unsafe) var stopped = false
        return LoopService(name: "model-watcher", loop: {
            while !stop.withLock({ stopped }) {
                usleep(interval)
                refresh()
            }
        }, stop: {
            notifier.stopping()
            stop.withLock { stopped = true }
        })
    }

    /// Follows the coordinator: each model it publishes is installed into the replica store,
    /// then served. Stopping it is the gateway stopping: systemd hears so.
    private func follow(_ subscriber: ModelSubscriber, _ notifier: SystemdNotifier) -> LoopService {
        LoopService(name: "model-subscriber", loop: { subscriber.run() }, stop: {
            notifier.stopping()
            subscriber.requestStop()
        })
    }
}
