import CineMeshData
import Foundation
import Hummingbird
import Prometheus

/// The gateway's HTTP API (`/v1`, `/healthz`, `/readyz`, `/metrics`): each handler reads the
/// current model once, so a hot swap never changes the model in the middle of an answer, and every
/// answer names the model version that produced it.
public enum GatewayRoutes {
    struct Pick: Encodable {
        var rank: Int
        var item: String
        var title: String?
        var year: Int64?
        var genres: [String]
        var score: Float
        /// With `explain=true`: the user's rated titles nearest to this one.
        var because: [Because]?
    }

    struct Because: Encodable {
        var item: String
        var title: String?
    }

    struct Picks: Encodable {
        var model: String
        var modelVersion: Int
        var user: String?
        var item: String?
        var items: [Pick]

        var response: Response {
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }

        /// The answer, written by hand: the hot path of the gateway, where JSONEncoder took a
        /// third of each request. Same keys, order and number formatting as `GatewayJSON`.
        var json: String {
            var out = "{"
            out.reserveCapacity(64 + 160 * items.count)
            if let item {
                out += "\"item\":"
                GatewayJSON.quoted(item, into: &out)
                out += ","
            }
            out += "\"items\":["
            for (n, p) in items.enumerated() {
                if n > 0 { out += "," }
                out += "{"
                if let because = p.because {
                    out += "\"because\":["
                    for (m, b) in because.enumerated() {
                        if m > 0 { out += "," }
                        out += "{\"item\":"
                        GatewayJSON.quoted(b.item, into: &out)
                        if let t = b.title {
                            out += ",\"title\":"
                            GatewayJSON.quoted(t, into: &out)
                        }
                        out += "}"
                    }
                    out += "],"
                }
                out += "\"genres\":["
                for (m, g) in p.genres.enumerated() {
                    if m > 0 { out += "," }
                    GatewayJSON.quoted(g, into: &out)
                }
                out += "],\"item\":"
                GatewayJSON.quoted(p.item, into: &out)
                out += ",\"rank\":\(p.rank),\"score\":\(p.score.isFinite ? p.score.description : "null")"
                if let t = p.title {
                    out += ",\"title\":"
                    GatewayJSON.quoted(t, into: &out)
                }
                if let y = p.year { out += ",\"year\":\(y)" }
                out += "}"
            }
            out += "],\"model\":"
            GatewayJSON.quoted(model, into: &out)
            out += ",\"model_version\":\(modelVersion)"
            if let user {
                out += ",\"user\":"
                GatewayJSON.quoted(user, into: &out)
            }
            out += "}"
            return out
        }
    }

    /// `POST /v1/recommendations`: someone the model has never seen.
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

    /// `POST /v1/recommendations/batch`: many known users at once.
    struct BatchRequest: Decodable {
        var users: [String]
        var n: Int?
        var excludeSeen: Bool?

        enum CodingKeys: String, CodingKey { case users, n, excludeSeen = "exclude_seen" }
    }

    struct BatchAnswer: Encodable {
        struct Entry: Encodable { var user: String; var items: [Pick] }
        var model: String
        var modelVersion: Int
        var results: [Entry]
    }

    /// Largest request body accepted (413 above).
    static let maxBody = 1 << 20

    /// `queries` answers `POST /v1/query` (nil: the gateway follows no coordinator, and says so).
    public static func router(holders: ModelHolders, registry: PrometheusCollectorRegistry, queries: (any QueryService)? = nil,
                              queryLimits: QueryLimits = QueryLimits(defaultDataset: nil),
                              access: GatewayAccess = .open) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // Hummingbird's own errors (an unknown path or method) as JSON like every other error.
        router.middlewares.add(JSONErrorMiddleware())
        // Requests and latency per route and status (hb_requests, hb_request_duration, hb_errors).
        router.middlewares.add(MetricsMiddleware())
        // Tokens for the routes that run work, a rate limit per client on the others.
        router.middlewares.add(AccessMiddleware(access: access))
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            holders.first.current == nil ? GatewayError(.serviceUnavailable, "not-ready", "no model loaded yet").response
                                  : GatewayJSON.response(["ready": true])
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/v1/model") { request, _ in
            answer(holders, request) { m in
                struct Info: Encodable {
                    var model: String
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
                let f = m.file
                return GatewayJSON.response(Info(model: m.name, models: holders.names, modelVersion: m.version, algorithm: f.metadata.algorithm, dataset: f.metadata.dataset,
                                                 datasetContentHash: f.metadata.datasetContentHash, users: f.users.count,
                                                 items: f.items.count, factors: f.model.users.factors, metrics: f.metadata.metrics))
            }
        }
        router.get("/v1/users/:userId/recommendations") { request, context in
            answer(holders, request) { m in
                let userId = context.parameters.get("userId") ?? ""
                guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
                let q = request.uri.queryParameters
                let n = try count(q.get("n"))
                let includeSeen = try flag(q.get("exclude_seen"), name: "exclude_seen").map { !$0 } ?? false
                let explain = try flag(q.get("explain"), name: "explain") ?? false
                let filter = try itemFilter(m, genre: q.get("genre"), country: q.get("country"),
                                            yearFrom: year(q.get("year_from"), "year_from"), yearTo: year(q.get("year_to"), "year_to"))
                let top = m.recommend(user: u, n: n, includeSeen: includeSeen, filter: filter)
                let rated = explain ? m.file.seen(user: u).map(Int.init) : nil
                return Picks(model: m.name, modelVersion: m.version, user: userId, item: nil, items: picks(m, top, explainFrom: rated)).response
            }
        }
        router.post("/v1/recommendations") { request, context -> Response in
            let body: Data
            do { body = try await collect(request) } catch { return (error as? GatewayError)?.response ?? GatewayError(.badRequest, "bad-body", "\(error)").response }
            return answer(holders, request) { m in
                let folded = try FoldInRequest(plainJSON: body) ?? parse(FoldInRequest.self, body)
                let n = try count(folded.n.map(String.init))
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
                let filter = try itemFilter(m, genre: folded.genre, country: folded.country, yearFrom: folded.yearFrom, yearTo: folded.yearTo)
                guard let user = m.foldIn(pairs) else { throw GatewayError(.badRequest, "unsolvable", "these ratings do not determine a user") }
                return Picks(model: m.name, modelVersion: m.version, user: nil, item: nil, items: picks(m, m.recommend(folded: user, n: n, filter: filter))).response
            }
        }
        router.post("/v1/recommendations/batch") { request, context -> Response in
            let body: Data
            do { body = try await collect(request) } catch { return (error as? GatewayError)?.response ?? GatewayError(.badRequest, "bad-body", "\(error)").response }
            let model: ServingModel
            do throws(GatewayError) { model = try holders.model(for: request) } catch { return error.response }
            // Up to 1,000 top-N lists: computed off the cooperative pool so other requests go on.
            return await withCheckedContinuation { (done: CheckedContinuation<Response, Never>) in
                DispatchQueue.global().async {
                    done.resume(returning: answer(model) { m in
                        let batch = try parse(BatchRequest.self, body)
                        let n = try count(batch.n.map(String.init))
                        guard !batch.users.isEmpty, batch.users.count <= 1000 else {
                            throw GatewayError(.badRequest, "bad-body", "users must hold 1 to 1,000 ids")
                        }
                        let results = try batch.users.map { id -> BatchAnswer.Entry in
                            guard let u = m.user(id) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(id)'") }
                            let top = m.recommend(user: u, n: n, includeSeen: !(batch.excludeSeen ?? true), filter: ItemFilter())
                            return .init(user: id, items: picks(m, top))
                        }
                        return GatewayJSON.response(BatchAnswer(model: m.name, modelVersion: m.version, results: results))
                    })
                }
            }
        }
        router.get("/v1/items/:itemId/similar") { request, context in
            answer(holders, request) { m in
                let itemId = context.parameters.get("itemId") ?? ""
                guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
                let n = try count(request.uri.queryParameters.get("n"))
                return Picks(model: m.name, modelVersion: m.version, user: nil, item: itemId, items: picks(m, m.similar(item: i, n: n), cosine: true)).response
            }
        }
        router.get("/v1/users/:userId/items/:itemId/prediction") { request, context in
            answer(holders, request) { m in
                let userId = context.parameters.get("userId") ?? "", itemId = context.parameters.get("itemId") ?? ""
                guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
                guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
                struct Prediction: Encodable { var model: String; var modelVersion: Int; var user: String; var item: String; var rating: Float; var title: String? }
                return GatewayJSON.response(Prediction(model: m.name, modelVersion: m.version, user: userId, item: itemId, rating: m.predict(user: u, item: i),
                                                       title: m.titles[i]))
            }
        }
        router.get("/v1/popular") { request, _ in
            answer(holders, request) { m in
                let q = request.uri.queryParameters
                let n = try count(q.get("n"))
                let filter = try itemFilter(m, genre: q.get("genre"), country: q.get("country"),
                                            yearFrom: year(q.get("year_from"), "year_from"), yearTo: year(q.get("year_to"), "year_to"))
                var ranked = m.popular
                if let allowed = m.mask(filter) { ranked = ranked.filter { allowed.contains($0.item) } }
                let top = ranked.prefix(n).map { (item: $0.item, score: $0.score) }
                return Picks(model: m.name, modelVersion: m.version, user: nil, item: nil, items: picks(m, Array(top))).response
            }
        }
        addQueryRoute(router, service: queries, limits: queryLimits)
        return router
    }

    /// Runs `body` with the current model the request asks for (`?model=NAME`, else the first
    /// the gateway serves), turning errors into JSON answers (404 for a model it does not serve,
    /// 503 before the model is loaded).
    static func answer(_ holders: ModelHolders, _ request: Request, _ body: (ServingModel) throws -> Response) -> Response {
        do {
            return answer(try holders.model(for: request), body)
        } catch {
            return error.response
        }
    }

    static func answer(_ model: ServingModel, _ body: (ServingModel) throws -> Response) -> Response {
        do {
            return try body(model)
        } catch let error as GatewayError {
            return error.response
        } catch {
            return GatewayError(.internalServerError, "internal", "\(error)").response
        }
    }

    /// The `n` parameter: 1 to 1000, default 10.
    static func count(_ text: String?) throws -> Int {
        guard let text else { return 10 }
        guard let n = Int(text), (1 ... 1000).contains(n) else {
            throw GatewayError(.badRequest, "bad-parameter", "n must be an integer from 1 to 1000, not '\(text)'")
        }
        return n
    }

    static func flag(_ text: String?, name: String) throws -> Bool? {
        guard let text else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw GatewayError(.badRequest, "bad-parameter", "\(name) must be true or false, not '\(text)'")
        }
    }

    /// The answer's entries for `top` (ranked, best first). Scores are reported as
    /// `ModelFile.reportedScore` gives them (predicted ratings on the scale), but `cosine`
    /// similarities, which are no ratings, as they are.
    static func picks(_ m: ServingModel, _ top: [(item: Int, score: Float)], explainFrom rated: [Int]? = nil, cosine: Bool = false) -> [Pick] {
        top.enumerated().map { rank, p in
            Pick(rank: rank + 1, item: m.itemId(p.item), title: m.titles[p.item], year: m.years[p.item], genres: m.genres[p.item],
                 score: cosine ? p.score : m.file.reportedScore(p.score),
                 because: rated.map { m.because(user: $0, item: p.item).map { Because(item: m.itemId($0), title: m.titles[$0]) } })
        }
    }

    /// The request body, at most `maxBody` bytes (413 above), JSON only (400 otherwise).
    static func collect(_ request: Request) async throws -> Data {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw GatewayError(.badRequest, "bad-content-type", "send the body as application/json")
        }
        var request = request
        do {
            return Data(buffer: try await request.collectBody(upTo: maxBody))
        } catch {
            throw GatewayError(.contentTooLarge, "body-too-large", "the body is larger than \(maxBody) bytes")
        }
    }

    static func parse<T: Decodable>(_ type: T.Type, _ body: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw GatewayError(.badRequest, "bad-body", "the body lacks '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw GatewayError(.badRequest, "bad-body", "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw GatewayError(.badRequest, "bad-body", "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch {
            throw GatewayError(.badRequest, "bad-body", "the body is not valid JSON for this endpoint")
        }
    }

    /// An empty `genre` or `country` means no filter; an unknown one is a 400.
    static func itemFilter(_ m: ServingModel, genre: String?, country: String?, yearFrom: Int64?, yearTo: Int64?) throws -> ItemFilter {
        let genre = genre?.isEmpty == true ? nil : genre, country = country?.isEmpty == true ? nil : country
        if let genre, m.genreMasks[genre] == nil {
            throw GatewayError(.badRequest, "unknown-genre", "no genre '\(genre)' (known: \(m.genreMasks.keys.sorted().joined(separator: ", ")))")
        }
        if let country, m.countryMasks[country] == nil {
            throw GatewayError(.badRequest, "unknown-country", "no country '\(country)' in the catalog")
        }
        if let yearFrom, let yearTo, yearFrom > yearTo {
            throw GatewayError(.badRequest, "bad-parameter", "year_from \(yearFrom) is after year_to \(yearTo)")
        }
        return ItemFilter(genre: genre, country: country, yearFrom: yearFrom, yearTo: yearTo)
    }

    static func year(_ text: String?, _ name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let y = Int64(text), (0 ... 9999).contains(y) else {
            throw GatewayError(.badRequest, "bad-parameter", "\(name) must be a year, not '\(text)'")
        }
        return y
    }
}
