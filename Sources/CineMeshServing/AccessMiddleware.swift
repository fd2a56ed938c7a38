import CineMeshData
import Foundation
import Hummingbird

/// Who may call what on the gateway: routes that run work on the cluster (`/v1/query`, and any
/// under `/v1/admin/`) need `Authorization: Bearer TOKEN`, and the other `/v1/` routes are rate
/// limited per client address (429 with `Retry-After`). Health, readiness and `/metrics` are
/// open to the box's monitoring.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let access: GatewayAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") else { return try await next(request, context) }
        if GatewayAccess.needsToken(path) {
            guard let token = access.token else { return try await next(request, context) }
            guard let given = request.headers[.authorization], given.hasPrefix("Bearer "),
                  Self.equalInConstantTime(Array(given.utf8.dropFirst(7)), token) else {
                var response = GatewayError(.unauthorized, "unauthorized", "\(path) needs Authorization: Bearer TOKEN (gateway.token_file on the gateway's box)").response
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            return try await next(request, context)
        }
        if let limiter = access.limiter {
            let client = context.remoteAddress?.ipAddress ?? "unknown"
            if let wait = limiter.take(client, now: Date().timeIntervalSinceReferenceDate) {
                var response = GatewayError(.tooManyRequests, "rate-limited",
                                            "more than \(Int(limiter.perSecond)) requests per second from \(client) (bursts of \(Int(limiter.burst)))").response
                response.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
                return response
            }
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the token.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// The gateway's access rules (`[gateway]` token_file, rate_limit and rate_burst).
public struct GatewayAccess: Sendable {
    /// The bearer token `/v1/query` and `/v1/admin/` routes need; nil: none needed (loopback only).
    public var token: [UInt8]?
    /// The per-client limit on the other `/v1/` routes; nil: none.
    public var limiter: RateLimiter?

    public init(token: [UInt8]?, limiter: RateLimiter?) {
        self.token = token
        self.limiter = limiter
    }

    /// Open access: no token, no limit (tests, and a gateway on loopback by its defaults' choice).
    public static let open = GatewayAccess(token: nil, limiter: nil)

    /// Whether a route needs the token.
    static func needsToken(_ path: String) -> Bool {
        path == "/v1/query" || path.hasPrefix("/v1/admin/")
    }

    /// Reads a token file: one line, at least 16 characters, readable by its owner only.
    public static func readToken(_ path: String) throws -> [UInt8] {
        try FileSystem.requireOwnerOnly(path, "the token")
        let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 16, !text.contains(where: { $0.isWhitespace }) else {
            throw DataError(.usage, file: path, "a token is one word of at least 16 characters (e.g. `openssl rand -hex 32`)")
        }
        return Array(text.utf8)
    }
}
