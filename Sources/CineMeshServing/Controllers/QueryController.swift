import Foundation
import Hummingbird

/// `POST /v1/query`: `{"sql": ..., "dataset": ..., "max_rows": 1000, "timeout_ms": 30000}` runs
/// a read-only query on the cluster the gateway follows; the answer is
/// `{"job": N, "elapsed_ms": N, "columns": [...], "types": [...], "rows": [[...]]}`.
struct QueryController: Sendable {
    /// Nil: the gateway follows no coordinator, and says so.
    let service: (any QueryService)?
    let limits: QueryLimits

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.post("/v1/query", use: query)
    }

    /// The body of `POST /v1/query`.
    struct QueryRequest: Decodable {
        var sql: String
        var dataset: String?
        var maxRows: Int?
        var timeoutMs: Int?

        enum CodingKeys: String, CodingKey {
            case sql, dataset
            case maxRows = "max_rows"
            case timeoutMs = "timeout_ms"
        }
    }

    @Sendable func query(_ request: Request, context: GatewayRequestContext) async -> Response {
        do {
            return try await run(request, context)
        } catch let error as GatewayError {
            return error.response
        } catch {
            return GatewayError(.internalServerError, "internal", "\(error)").response
        }
    }

    private func run(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let service else {
            throw GatewayError(.serviceUnavailable, "query-unavailable",
                               "this gateway follows no coordinator: start it with --coordinator or --cluster to answer queries")
        }
        let body: QueryRequest
        do {
            body = try await request.decode(as: QueryRequest.self, context: context)
        } catch {
            throw GatewayError(.badRequest, "bad-request", "expected a JSON body {\"sql\": \"SELECT ...\", \"dataset\": \"NAME\"}")
        }
        guard !body.sql.isEmpty else { throw GatewayError(.badRequest, "bad-request", "sql is empty") }
        guard let dataset = body.dataset ?? limits.defaultDataset else {
            throw GatewayError(.badRequest, "bad-request", "name the dataset: {\"dataset\": \"NAME\"} (or start the gateway with --query-dataset)")
        }
        // Over HTTP a dataset is a name in the coordinator's datasets directory, never a path.
        if body.dataset != nil, dataset.isEmpty || dataset.contains("/") || dataset.hasPrefix(".") {
            throw GatewayError(.badRequest, "bad-request", "dataset must be a name in the coordinator's datasets directory, not a path")
        }
        let maxRows = body.maxRows ?? limits.defaultMaxRows
        guard (0 ... limits.maximumRows).contains(maxRows) else {
            throw GatewayError(.badRequest, "bad-request", "max_rows must be 0...\(limits.maximumRows)")
        }
        let timeout = body.timeoutMs ?? limits.defaultTimeoutMilliseconds
        guard (1 ... limits.maximumTimeoutMilliseconds).contains(timeout) else {
            throw GatewayError(.badRequest, "bad-request", "timeout_ms must be 1...\(limits.maximumTimeoutMilliseconds)")
        }
        let answer = try await service.run(sql: body.sql, dataset: dataset, maxRows: maxRows, timeoutMilliseconds: timeout)
        var json = "{\"job\":\(answer.job),\"elapsed_ms\":\(answer.elapsedMilliseconds),"
        json += answer.resultJSON.drop { $0 != "{" }.dropFirst()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
