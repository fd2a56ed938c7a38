import CineMeshData

/// Runs a file reader on fuzzed bytes: its value, or nil when it refused them with a `DataError`
/// (which names the file and says what is wrong). Anything else it throws is a finding: every
/// refusal of a damaged file must be a `DataError`.
public func refusedOrRead<T>(_ what: String, _ read: () throws -> T) -> T? {
    do {
        return try read()
    } catch is DataError {
        return nil
    } catch {
        fatalError("\(what) threw \(type(of: error)), not a DataError: \(error)")
    }
}
