import CineMeshData
import Foundation

/// What a client asks the cluster to run: a job type, the dataset (a name in the coordinator's
/// datasets directory, or an absolute path on the coordinator's box) and type-specific parameters.
///
/// As a file (`cinemesh submit SPEC`), JSON `{"type": ..., "dataset": ..., "parameters": {...}}`
/// or TOML with `type` and `dataset` at the top and a `[parameters]` table (inline or dotted keys
/// work too); a TOML parameter may be any value but an array, and is kept as its text.
public struct JobSpec: Codable, Sendable, Equatable {
    public var type: String
    public var dataset: String
    public var parameters: [String: String]

    public init(type: String, dataset: String, parameters: [String: String] = [:]) {
        self.type = type
        self.dataset = dataset
        self.parameters = parameters
    }

    /// Reads a spec file; `.toml` files as TOML, anything else as JSON.
    public static func read(_ path: String) throws -> JobSpec {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path) } catch { throw ConfigError(origin: path, "cannot read the job spec") }
        if path.hasSuffix(".toml") {
            let doc = try TOMLDocument(parsing: String(decoding: bytes, as: UTF8.self), file: path)
            var spec = JobSpec(type: "", dataset: "")
            for key in doc.keys {
                let text: String
                switch doc.entries[key]!.value {
                case .string(let s), .dateTime(let s): text = s
                case .integer(let n): text = String(n)
                case .float(let x): text = String(x)
                case .boolean(let b): text = String(b)
                case .array, .table: throw ConfigError(origin: doc.origin(of: key), "'\(key)': arrays are not job parameters")
                }
                if key == "type" { spec.type = text }
                else if key == "dataset" { spec.dataset = text }
                else if key.hasPrefix("parameters.") { spec.parameters[String(key.dropFirst("parameters.".count))] = text }
                else { throw ConfigError(origin: doc.origin(of: key), "unknown key '\(key)' (a spec has type, dataset and a [parameters] table)") }
            }
            try spec.requireFields(origin: path)
            return spec
        }
        let file: JobSpecFile
        do {
            file = try JSONDecoder().decode(JobSpecFile.self, from: Data(bytes))
        } catch let error as JobSpecFile.Problem {
            throw ConfigError(origin: path, error.message)
        } catch {
            throw ConfigError(origin: path, "not a job spec: expected JSON {\"type\", \"dataset\", \"parameters\"} or a .toml file")
        }
        let spec = JobSpec(type: file.type ?? "", dataset: file.dataset ?? "", parameters: file.parameters)
        try spec.requireFields(origin: path)
        return spec
    }

    func requireFields(origin: String) throws(ConfigError) {
        if type.isEmpty { throw ConfigError(origin: origin, "the spec has no 'type'") }
        if dataset.isEmpty { throw ConfigError(origin: origin, "the spec has no 'dataset'") }
    }
}

/// A job spec file in JSON, read strictly: a key besides type, dataset and parameters, or a
/// parameter that is not a string, is refused with its name.
private struct JobSpecFile: Decodable {
    var type: String?
    var dataset: String?
    var parameters: [String: String] = [:]

    /// What is wrong with the file, naming the key.
    struct Problem: Error {
        let message: String
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys where !["type", "dataset", "parameters"].contains(key.stringValue) {
            throw Problem(message: "unknown key '\(key.stringValue)' (a spec has type, dataset and parameters)")
        }
        func text(_ c: KeyedDecodingContainer<Key>, _ key: Key, _ what: String) throws -> String {
            do { return try c.decode(String.self, forKey: key) } catch { throw Problem(message: "\(what) must be a string") }
        }
        if c.contains(Key("type")) { type = try text(c, Key("type"), "'type'") }
        if c.contains(Key("dataset")) { dataset = try text(c, Key("dataset"), "'dataset'") }
        guard c.contains(Key("parameters")) else { return }
        let p: KeyedDecodingContainer<Key>
        do { p = try c.nestedContainer(keyedBy: Key.self, forKey: Key("parameters")) } catch {
            throw Problem(message: "'parameters' must be an object of strings")
        }
        for key in p.allKeys {
            parameters[key.stringValue] = try text(p, key, "parameter '\(key.stringValue)'")
        }
    }
}
