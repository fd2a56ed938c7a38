import CineMeshData
import Foundation

/// One protocol message: a command, an optional JSON body frame, and raw payload frames.
///
/// Frames on the wire (after the ROUTER's routing-id frame, which is not part of the message):
/// 1. header (`WireHeader`, 6 bytes), 2. body (UTF-8 JSON, may be empty), 3... payload frames
/// (raw little-endian arrays or file bytes; never encoded).
public struct Message: Sendable {
    public var command: Command
    public var body: [UInt8]
    public var payload: [Frame]
    /// The sender's protocol version: this build's, but for an ERROR from a peer of another
    /// version (the one message `WireHeader` lets through from such a peer).
    public var version = WireHeader.version

    public init(_ command: Command, body: [UInt8] = [], payload: [Frame] = []) {
        self.command = command
        self.body = body
        self.payload = payload
    }

    /// A message with `body` encoded as JSON. Throws when the body cannot be encoded (a NaN or
    /// infinite number, which JSON cannot carry): never sends an empty body in its place.
    public init<Body: Encodable>(_ command: Command, _ body: Body, payload: [Frame] = []) throws {
        self.command = command
        self.body = Array(try Message.encoder.encode(body))
        self.payload = payload
    }

    /// A body with a hand-written JSON form (TASK, RESULT, FAILED): the same JSON, faster.
    init<Body: PlainJSONBody>(_ command: Command, _ body: Body, payload: [Frame] = []) {
        var json = JSONObjectWriter()
        body.write(to: &json)
        self.init(command, body: json.finish(), payload: payload)
    }

    public var frames: [Frame] { [WireHeader(command).bytes, body] + payload }

    /// Parses the frames of one message (without any routing-id frame).
    public init(frames: [Frame]) throws(ProtocolError) {
        guard let first = frames.first else { throw .notCineMesh }
        let header = try WireHeader(parsing: first)
        guard frames.count >= 2 else { throw .malformed(header.command, "no body frame") }
        command = header.command
        version = header.version
        body = frames[1]
        payload = Array(frames.dropFirst(2))
    }

    /// Decodes the JSON body, naming the command and the field at fault when it does not fit.
    public func decode<Body: Decodable>(_ type: Body.Type) throws(ProtocolError) -> Body {
        try decodeWithFoundation(type)
    }

    /// Decodes the body from its plainest JSON by hand, and anything else as any body.
    func decode<Body: PlainJSONBody>(_ type: Body.Type) throws(ProtocolError) -> Body {
        let plain = body.withUnsafeBytes { bytes -> Body? in
            var scanner = StrictJSONScanner(bytes)
            guard let value = Body(plainJSON: &scanner), scanner.atEnd() else { return nil }
            return value
        }
        if let plain { return plain }
        return try decodeWithFoundation(type)
    }

    /// Decodes the body with `JSONDecoder`, whatever its form.
    func decodeWithFoundation<Body: Decodable>(_ type: Body.Type) throws(ProtocolError) -> Body {
        do {
            return try Message.decoder.decode(type, from: Data(body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .malformed(command, "body lacks field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformed(command, "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .malformed(command, "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is null")
        } catch {
            throw .malformed(command, "body is not valid JSON")
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder = JSONDecoder()
}
