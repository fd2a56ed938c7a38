import Hummingbird

/// Titles without a user: `GET /v1/items/{item}/similar` (nearest by cosine of the item
/// factors, or with `by=ratings` / `by=content` from the gateway's neighbour files) and
/// `GET /v1/popular` (most rated, optionally filtered).
struct ItemController: Sendable {
    let holders: ModelHolders
    let neighbors: NeighborFiles

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/v1/items/:itemId/similar", use: similar)
        router.get("/v1/popular", use: popular)
    }

    /// Query: `n`, and `by`: `factors` (the default: cosine of the serving model's item factors),
    /// `ratings` (an item-knn model's neighbours) or `content` (content neighbours).
    @Sendable func similar(_ request: Request, context: GatewayRequestContext) -> Response {
        switch request.uri.queryParameters.get("by") ?? "factors" {
        case "factors": break
        case "ratings": return fromFile(neighbors.byRatings, kind: "ratings", request, context)
        case "content": return fromFile(neighbors.byContent, kind: "content", request, context)
        case let other:
            return GatewayError(.badRequest, "bad-parameter", "by must be factors, ratings or content, not '\(other)'").response
        }
        return holders.answer(request) { m in
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

    /// `similar` from a neighbour file: its lists and its catalog's titles.
    private func fromFile(_ loaded: NeighborFiles.Loaded?, kind: String, _ request: Request, _ context: GatewayRequestContext) -> Response {
        do {
            guard let loaded else {
                throw GatewayError(.notFound, "no-neighbors", "this gateway serves no \(kind) neighbours (start it with --neighbors FILE)")
            }
            let itemId = context.parameters.get("itemId") ?? ""
            guard let row = loaded.rowOf[itemId] else { throw GatewayError(.notFound, "unknown-item", "the \(kind) neighbours know no item '\(itemId)'") }
            let n = try RequestParameters.count(request.uri.queryParameters.get("n"))
            let catalog = loaded.file.catalog, list = loaded.file.neighbors.of(row)
            let ids = catalog.strings("item") ?? [], titles = catalog.strings("title"), years = catalog.ints("year")
            let items = zip(list.neighbors.prefix(n), list.scores.prefix(n)).enumerated().map { rank, entry in
                let r = Int(entry.0)
                return Pick(rank: rank + 1, item: ids[r], title: titles?[r], year: years?[r] ?? nil, genres: [], score: entry.1)
            }
            return Picks(model: loaded.name, modelVersion: 0, user: nil, item: itemId, items: items).response
        } catch let error as GatewayError {
            return error.response
        } catch {
            return GatewayError(.badRequest, "bad-parameter", "\(error)").response
        }
    }
}
