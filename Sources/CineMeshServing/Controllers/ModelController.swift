import Hummingbird

/// `GET /v1/model`: which model answers, where it came from and its size.
struct ModelController: Sendable {
    let holders: ModelHolders

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/v1/model", use: info)
    }

    /// The answer of `GET /v1/model`.
    struct Info: Encodable {
        var model: String
        /// Every model name the gateway serves (`?model=NAME` picks one).
        var models: [String]
        var modelVersion: Int
        var algorithm: String
        var dataset: String
        var datasetContentHash: String
        var users: Int
        var items: Int
        var factors: Int
        var metrics: [String: Double]
    }

    @Sendable func info(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.answer(request) { m in
            let f = m.file
            return GatewayJSON.response(Info(model: m.name, models: holders.names, modelVersion: m.version, algorithm: f.metadata.algorithm, dataset: f.metadata.dataset,
                                             datasetContentHash: f.metadata.datasetContentHash, users: f.users.count,
                                             items: f.items.count, factors: f.model.users.factors, metrics: f.metadata.metrics))
        }
    }
}
