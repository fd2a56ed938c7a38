import Hummingbird

/// Turns the errors Hummingbird raises itself (no route for the path or method, a body it
/// refuses) into the gateway's JSON error answer, so no answer is ever an empty 4xx.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return Self.gatewayError(error, request).response
        }
    }

    static func gatewayError(_ error: any HTTPResponseError, _ request: Request) -> GatewayError {
        switch error.status {
        case .notFound:
            return GatewayError(.notFound, "no-route", "no endpoint answers \(request.method) \(request.uri.path) (see docs/openapi.yaml)")
        default:
            // The status's reason as the code: "Method Not Allowed" -> "method-not-allowed".
            let code = error.status.reasonPhrase.lowercased().split(separator: " ").joined(separator: "-")
            return GatewayError(error.status, code, (error as? HTTPError)?.body ?? error.status.reasonPhrase)
        }
    }
}
