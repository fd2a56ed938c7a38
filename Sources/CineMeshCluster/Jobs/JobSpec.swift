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
        do {
            let spec = try JSONDecoder().decode(JobSpec.self, from: Data(bytes))
            try spec.requireFields(origin: path)
            return spec
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(origin: path, "not a job spec: expected JSON {\"type\", \"dataset\", \"parameters\"} or a .toml file")
        }
    }

    func requireFields(origin: String) throws(ConfigError) {
        if type.isEmpty { throw ConfigError(origin: origin, "the spec has no 'type'") }
        if dataset.isEmpty { throw ConfigError(origin: origin, "the spec has no 'dataset'") }
    }
}
