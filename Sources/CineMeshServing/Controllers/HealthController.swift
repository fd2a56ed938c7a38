import Hummingbird
import Prometheus

/// What operators and load balancers poll: `GET /healthz` (the process answers), `GET /readyz`
/// (a model is loaded) and `GET /metrics` (Prometheus text).
struct HealthController: Sendable {
    let holders: ModelHolders
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz", use: ready)
        router.get("/metrics", use: metrics)
    }

    /// `{"ready": true}`, or 503 `not-ready` before the default model is loaded.
    @Sendable func ready(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.first.current == nil ? GatewayError(.serviceUnavailable, "not-ready", "no model loaded yet").response
                                     : GatewayJSON.response(["ready": true])
    }

    @Sendable func metrics(_ request: Request, context: GatewayRequestContext) -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
