#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Deterministic JSON (sorted keys, pretty) for manifests and `--json` outputs.
public enum JSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value)) + [0x0A]
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], file: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw DataError(.damaged, file: file, "invalid JSON: \(ctx.debugDescription) \(path(ctx.codingPath))")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw DataError(.damaged, file: file, "missing field \(path(ctx.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw DataError(.damaged, file: file, "wrong type for field \(path(ctx.codingPath))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw DataError(.damaged, file: file, "null field \(path(ctx.codingPath))")
        } catch {
            throw DataError(.damaged, file: file, "invalid JSON: \(error)")
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
