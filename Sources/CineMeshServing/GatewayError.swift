import Foundation
import Hummingbird

/// An error answer: `{"error": {"code": ..., "message": ...}}` with its HTTP status. Bad input is
/// always a 4xx, never a 5xx.
public struct GatewayError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Where in a query the error is (1-based), for `/v1/query`'s bad queries.
    public let line: Int?
    public let column: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    var response: Response {
        struct Body: Encodable {
            struct Inner: Encodable { var code: String; var message: String; var line: Int?; var column: Int? }
            var error: Inner
        }
        return GatewayJSON.response(Body(error: .init(code: code, message: message, line: line, column: column)), status: status)
    }
}

/// JSON answers: snake_case keys, sorted, UTF-8.
enum GatewayJSON {
    /// A JSON string literal.
    static func quoted(_ s: String, into out: inout String) {
        out.append("\"")
        // Most titles and ids need no escape: appended whole.
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(s)
            out.append("\"")
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20: out.append(String(format: "\\u%04x", scalar.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"unencodable answer"}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
