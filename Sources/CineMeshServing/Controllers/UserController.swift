import Hummingbird

/// A user the model knows: `GET /v1/users/{user}/recommendations` (top-N, optionally filtered
/// and explained) and `GET /v1/users/{user}/items/{item}/prediction`.
struct UserController: Sendable {
    let holders: ModelHolders

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/v1/users/:userId/recommendations", use: recommendations)
        router.get("/v1/users/:userId/items/:itemId/prediction", use: prediction)
    }

    /// The answer of the prediction route.
    struct Prediction: Encodable {
        var model: String
        var modelVersion: Int
        var user: String
        var item: String
        var rating: Float
        var title: String?
    }

    /// Query: `n`, `exclude_seen` (default true), `explain`, and the item filter (`genre`,
    /// `country`, `year_from`, `year_to`).
    @Sendable func recommendations(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.answer(request) { m in
            let userId = context.parameters.get("userId") ?? ""
            guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
            let q = request.uri.queryParameters
            let n = try RequestParameters.count(q.get("n"))
            let includeSeen = try RequestParameters.flag(q.get("exclude_seen"), name: "exclude_seen").map { !$0 } ?? false
            let explain = try RequestParameters.flag(q.get("explain"), name: "explain") ?? false
            let filter = try RequestParameters.itemFilter(m, of: request)
            let top = m.recommend(user: u, n: n, includeSeen: includeSeen, filter: filter)
            let rated = explain ? m.file.seen(user: u).map(Int.init) : nil
            return Picks(model: m.name, modelVersion: m.version, user: userId, item: nil, items: Pick.list(m, top, explainFrom: rated)).response
        }
    }

    @Sendable func prediction(_ request: Request, context: GatewayRequestContext) -> Response {
        holders.answer(request) { m in
            let userId = context.parameters.get("userId") ?? "", itemId = context.parameters.get("itemId") ?? ""
            guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
            guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
            return GatewayJSON.response(Prediction(model: m.name, modelVersion: m.version, user: userId, item: itemId, rating: m.predict(user: u, item: i),
                                                   title: m.titles[i]))
        }
    }
}
