import Hummingbird

/// Titles without a user: `GET /v1/items/{item}/similar` (nearest by cosine of the item
/// factors) and `GET /v1/popular` (most rated, optionally filtered).
struct ItemController: Sendable {
    let holders: ModelHolders

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/v1/items/:itemId/similar", use: similar)
        router.get("/v1/popular", use: popular)
    }

    @Sendable func similar(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.answer(request) { m in
            let itemId = context.parameters.get("itemId") ?? ""
            guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
            let n = try RequestParameters.count(request.uri.queryParameters.get("n"))
            return Picks(model: m.name, modelVersion: m.version, user: nil, item: itemId, items: Pick.list(m, m.similar(item: i, n: n), cosine: true)).response
        }
    }

    /// Query: `n` and the item filter (`genre`, `country`, `year_from`, `year_to`).
    @Sendable func popular(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.answer(request) { m in
            let q = request.uri.queryParameters
            let n = try RequestParameters.count(q.get("n"))
            let filter = try RequestParameters.itemFilter(m, of: request)
            var ranked = m.popular
            if let allowed = m.mask(filter) { ranked = ranked.filter { allowed.contains($0.item) } }
            let top = ranked.prefix(n).map { (item: $0.item, score: $0.score) }
            return Picks(model: m.name, modelVersion: m.version, user: nil, item: nil, items: Pick.list(m, Array(top))).response
        }
    }
}
