import Foundation
import Hummingbird

/// Reading a request's JSON body: its size and type checked, its decoding errors said as 400s
/// naming the field at fault.
enum RequestBody {
    /// Largest request body accepted (413 above).
    static let maxBytes = 1 << 20

    /// The request body, at most `maxBytes` bytes (413 above), JSON only (400 otherwise).
    static func collect(_ request: Request) async throws -> Data {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw GatewayError(.badRequest, "bad-content-type", "send the body as application/json")
        }
        var request = request
        do {
            return Data(buffer: try await request.collectBody(upTo: maxBytes))
        } catch {
            throw GatewayError(.contentTooLarge, "body-too-large", "the body is larger than \(maxBytes) bytes")
        }
    }

    /// `collect`, its error as the answer.
    static func collectOrAnswer(_ request: Request) async -> Result<Data, GatewayError> {
        do {
            return .success(try await collect(request))
        } catch {
            return .failure((error as? GatewayError) ?? GatewayError(.badRequest, "bad-body", "\(error)"))
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
}
