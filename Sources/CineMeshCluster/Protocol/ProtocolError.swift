/// Why an incoming message was refused. Each case maps to an `ERROR` code on the wire.
public enum ProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The first frame is not a CineMesh header at all.
    case notCineMesh
    /// A CineMesh peer speaking another protocol version.
    case versionMismatch(theirs: UInt8)
    case unknownCommand(UInt8)
    /// The frames do not match the command's frame table, or a body does not decode.
    case malformed(Command, String)
    /// A command of the other channel: the peer connected to the wrong coordinator endpoint.
    /// The text says which endpoint this is and where the sender belongs.
    case wrongEndpoint(String)

    public var code: String {
        switch self {
        case .notCineMesh: "not-cinemesh"
        case .versionMismatch: "version-mismatch"
        case .unknownCommand: "unknown-command"
        case .malformed: "malformed"
        case .wrongEndpoint: "wrong-endpoint"
        }
    }

    public var description: String {
        switch self {
        case .notCineMesh:
            "the message does not start with a CineMesh header (\"CMSH\" + version + command)"
        case .versionMismatch(let theirs):
            "protocol version \(theirs) is not supported: this peer speaks version \(WireHeader.version); install the same CineMesh version on both"
        case .unknownCommand(let c):
            "unknown command 0x\(String(c, radix: 16))"
        case .malformed(let command, let why):
            "malformed \(command): \(why)"
        case .wrongEndpoint(let why):
            why
        }
    }
}
