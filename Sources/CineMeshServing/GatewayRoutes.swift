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
    }

    struct Picks: Encodable {
        var modelVersion: Int
        var user: String?
        var item: String?
        var genre: String?
        var items: [Pick]
    }

    public static func router(holder: ModelHolder, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        // Requests and latency per route and status (hb_requests, hb_request_duration, hb_errors).
        router.middlewares.add(MetricsMiddleware())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            holder.current == nil ? GatewayError(.serviceUnavailable, "not-ready", "no model loaded yet").response
                                  : GatewayJSON.response(["ready": true])
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/v1/model") { _, _ in
            answer(holder) { m in
                struct Info: Encodable {
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
                return GatewayJSON.response(Info(modelVersion: m.version, algorithm: f.metadata.algorithm, dataset: f.metadata.dataset,
                                                 datasetContentHash: f.metadata.datasetContentHash, users: f.users.count,
                                                 items: f.items.count, factors: f.model.users.factors, metrics: f.metadata.metrics))
            }
        }
        router.get("/v1/users/:userId/recommendations") { request, context in
            answer(holder) { m in
                let userId = context.parameters.get("userId") ?? ""
                guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
                let q = request.uri.queryParameters
                let n = try count(q.get("n"))
                let includeSeen = try flag(q.get("exclude_seen"), name: "exclude_seen").map { !$0 } ?? false
                let genre: String? = q.get("genre")
                var allowed: [Int]?
                if let genre {
                    guard let items = m.itemsByGenre[genre] else {
                        throw GatewayError(.badRequest, "unknown-genre", "no genre '\(genre)' (known: \(m.itemsByGenre.keys.sorted().joined(separator: ", ")))")
                    }
                    allowed = items
                }
                let top = m.recommend(user: u, n: n, includeSeen: includeSeen, genre: allowed)
                return GatewayJSON.response(Picks(modelVersion: m.version, user: userId, item: nil, genre: genre, items: picks(m, top)))
            }
        }
        router.get("/v1/items/:itemId/similar") { request, context in
            answer(holder) { m in
                let itemId = context.parameters.get("itemId") ?? ""
                guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
                let n = try count(request.uri.queryParameters.get("n"))
                return GatewayJSON.response(Picks(modelVersion: m.version, user: nil, item: itemId, genre: nil, items: picks(m, m.similar(item: i, n: n))))
            }
        }
        router.get("/v1/users/:userId/items/:itemId/prediction") { _, context in
            answer(holder) { m in
                let userId = context.parameters.get("userId") ?? "", itemId = context.parameters.get("itemId") ?? ""
                guard let u = m.user(userId) else { throw GatewayError(.notFound, "unknown-user", "the model knows no user '\(userId)'") }
                guard let i = m.item(itemId) else { throw GatewayError(.notFound, "unknown-item", "the model knows no item '\(itemId)'") }
                struct Prediction: Encodable { var modelVersion: Int; var user: String; var item: String; var rating: Float; var title: String? }
                return GatewayJSON.response(Prediction(modelVersion: m.version, user: userId, item: itemId, rating: m.predict(user: u, item: i),
                                                       title: m.titles[i]))
            }
        }
        router.get("/v1/popular") { request, _ in
            answer(holder) { m in
                let q = request.uri.queryParameters
                let n = try count(q.get("n"))
                let genre: String? = q.get("genre")
                var ranked = m.popular
                if let genre {
                    guard let items = m.itemsByGenre[genre] else {
                        throw GatewayError(.badRequest, "unknown-genre", "no genre '\(genre)' (known: \(m.itemsByGenre.keys.sorted().joined(separator: ", ")))")
                    }
                    let allowed = Set(items)
                    ranked = ranked.filter { allowed.contains($0.item) }
                }
                let top = ranked.prefix(n).map { (item: $0.item, score: $0.score) }
                return GatewayJSON.response(Picks(modelVersion: m.version, user: nil, item: nil, genre: genre, items: picks(m, Array(top))))
            }
        }
        return router
    }

    /// Runs `body` with the current model, turning errors into JSON answers (503 before the first
    /// model is loaded).
    static func answer(_ holder: ModelHolder, _ body: (ServingModel) throws -> Response) -> Response {
        guard let model = holder.current else { return GatewayError(.serviceUnavailable, "not-ready", "no model loaded yet").response }
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

    static func picks(_ m: ServingModel, _ top: [(item: Int, score: Float)]) -> [Pick] {
        top.enumerated().map { rank, p in
            Pick(rank: rank + 1, item: m.itemId(p.item), title: m.titles[p.item], year: m.years[p.item], genres: m.genres[p.item], score: p.score)
        }
    }
}
