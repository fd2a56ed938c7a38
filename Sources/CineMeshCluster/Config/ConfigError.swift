/// A configuration problem, naming where the bad value came from: a file and line, an
/// environment variable, or a command-line flag.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let message: String

    public init(file: String, line: Int, _ message: String) {
        origin = "\(file):\(line)"
        self.message = message
    }

    public init(origin: String, _ message: String) {
        self.origin = origin
        self.message = message
    }

    public var description: String { "\(origin): \(message)" }
}
