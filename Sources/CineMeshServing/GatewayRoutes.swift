import Hummingbird
import Prometheus

/// The gateway's HTTP API (`/v1`, `/healthz`, `/readyz`, `/metrics`; docs/openapi.yaml), one
/// controller per resource: `HealthController`, `ModelController`, `UserController`,
/// `RecommendationController`, `ItemController`, `QueryController`. Each handler reads the
/// current model once, so a hot swap never changes the model in the middle of an answer, and
/// every answer names the model version that produced it.
public enum GatewayRoutes {
    /// `queries` answers `POST /v1/query` (nil: the gateway follows no coordinator, and says so);
    /// `neighbors` answers `GET /v1/items/{item}/similar?by=ratings|content`.
    public static func router(holders: ModelHolders, registry: PrometheusCollectorRegistry, queries: (any QueryService)? = nil,
                              queryLimits: QueryLimits = QueryLimits(defaultDataset: nil),
                              access: GatewayAccess = .open, neighbors: NeighborFiles = .none) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // Hummingbird's own errors (an unknown path or method) as JSON like every other error.
        router.middlewares.add(JSONErrorMiddleware())
        // Requests and latency per route and status (hb_requests, hb_request_duration, hb_errors).
        router.middlewares.add(MetricsMiddleware())
        // Tokens for the routes that run work, a rate limit per client on the others.
        router.middlewares.add(AccessMiddleware(access: access))
        HealthController(holders: holders, registry: registry).addRoutes(to: router)
        ModelController(holders: holders).addRoutes(to: router)
        UserController(holders: holders).addRoutes(to: router)
        RecommendationController(holders: holders).addRoutes(to: router)
        ItemController(holders: holders, neighbors: neighbors).addRoutes(to: router)
        QueryController(service: queries, limits: queryLimits).addRoutes(to: router)
        return router
    }
}
