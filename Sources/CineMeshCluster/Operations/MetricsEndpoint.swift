import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The Prometheus registry every CineMesh process reports into, and the HTTP service that
/// serves it at `GET /metrics` (text exposition format 0.0.4).
public enum MetricsEndpoint {
    /// Installs a Prometheus backend for swift-metrics; call once per process, before any metric
    /// is created.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// An HTTP server on `address` answering `/metrics` (and `/healthz`). `onBound` receives the
    /// port actually bound (useful with port 0).
    public static func service(address: HostPort, registry: PrometheusCollectorRegistry, logger: Logger,
                               onBound: @escaping @Sendable (Int) async -> Void) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(router: router,
                           configuration: .init(address: .hostname(address.host, port: address.port), serverName: "cinemesh"),
                           onServerRunning: { channel in await onBound(channel.localAddress?.port ?? address.port) },
                           logger: logger)
    }
}
