import Foundation
import Hummingbird

/// Recommendations asked for in a body: `POST /v1/recommendations` (someone the model has never
/// seen, folded in from their ratings) and `POST /v1/recommendations/batch` (many known users).
struct RecommendationController: Sendable {
    let holders: ModelHolders

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.post("/v1/recommendations", use: foldIn)
        router.post("/v1/recommendations/batch", use: batch)
    }

    /// The body of `POST /v1/recommendations`.
    struct FoldInRequest: Decodable, Equatable {
        /// One rating; `item` may be sent as a string or as an integer (`"50"` or `50`).
        struct Rating: Decodable, Equatable {
            var item: String
            var rating: Float
        }
        var ratings: [Rating]
        var n: Int?
        var genre: String?
        var country: String?
        var yearFrom: Int64?
        var yearTo: Int64?

        /// Spelled out: JSONDecoder's convertFromSnakeCase rewrote every key of every body.
        enum CodingKeys: String, CodingKey {
            case ratings, n, genre, country, yearFrom = "year_from", yearTo = "year_to"
        }
    }

    /// The body of `POST /v1/recommendations/batch`.
    struct BatchRequest: Decodable {
        var users: [String]
        var n: Int?
        var excludeSeen: Bool?

        enum CodingKeys: String, CodingKey { case users, n, excludeSeen = "exclude_seen" }
    }

    /// The answer of `POST /v1/recommendations/batch`.
    struct BatchAnswer: Encodable {
        struct Entry: Encodable { var user: String; var items: [Pick] }
        var model: String
        var modelVersion: Int
        var results: [Entry]
    }

    @Sendable func foldIn(_ request: Request, context: GatewayRequestContext) async -> Response {
        let body: Data
        switch await RequestBody.collectOrAnswer(request) {
        case .success(let data): body = data
        case .failure(let error): return error.response
        }
        return holders.answer(request) { m in
            let folded = try FoldInRequest(plainJSON: body) ?? RequestBody.parse(FoldInRequest.self, body)
            let n = try RequestParameters.count(folded.n.map(String.init))
            guard !folded.ratings.isEmpty, folded.ratings.count <= 10_000 else {
                throw GatewayError(.badRequest, "bad-body", "ratings must hold 1 to 10,000 entries")
            }
            let scale = m.file.metadata.ratingScale
            var pairs: [(item: Int, rating: Float)] = []
            for r in folded.ratings {
                guard let i = m.item(r.item) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(r.item)'") }
                guard r.rating.isFinite, scale.contains(Double(r.rating)) else {
                    throw GatewayError(.badRequest, "bad-rating", "rating \(r.rating) of item '\(r.item)' is off the scale \(scale)")
                }
                pairs.append((i, r.rating))
            }
            let filter = try RequestParameters.itemFilter(m, genre: folded.genre, country: folded.country, yearFrom: folded.yearFrom, yearTo: folded.yearTo)
            guard let user = m.foldIn(pairs) else { throw GatewayError(.badRequest, "unsolvable", "these ratings do not determine a user") }
            return Picks(model: m.name, modelVersion: m.version, user: nil, item: nil, items: Pick.list(m, m.recommend(folded: user, n: n, filter: filter))).response
        }
    }

    @Sendable func batch(_ request: Request, context: GatewayRequestContext) async -> Response {
        let body: Data
        switch await RequestBody.collectOrAnswer(request) {
        case .success(let data): body = data
        case .failure(let error): return error.response
        }
        let model: ServingModel
        do throws(GatewayError) { model = try holders.model(for: request) } catch { return error.response }
        // Up to 1,000 top-N lists: computed off the cooperative pool so other requests go on.
        return await withCheckedContinuation { (done: CheckedContinuation<Response, Never>) in
            DispatchQueue.global().async {
                done.resume(returning: model.answer { m in
                    let batch = try RequestBody.parse(BatchRequest.self, body)
                    let n = try RequestParameters.count(batch.n.map(String.init))
                    guard !batch.users.isEmpty, batch.users.count <= 1000 else {
                        throw GatewayError(.badRequest, "bad-body", "users must hold 1 to 1,000 ids")
                    }
                    let results = try batch.users.map { id -> BatchAnswer.Entry in
                        guard let u = m.user(id) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(id)'") }
                        let top = m.recommend(user: u, n: n, includeSeen: !(batch.excludeSeen ?? true), filter: ItemFilter())
                        return .init(user: id, items: Pick.list(m, top))
                    }
                    return GatewayJSON.response(BatchAnswer(model: m.name, modelVersion: m.version, results: results))
                })
            }
        }
    }
}
