/// The first frame of every message: the 4-byte signature "CMSH", the protocol version and the
/// command, six bytes in all.
public struct WireHeader: Equatable, Sendable {
    public static let signature: [UInt8] = Array("CMSH".utf8)
    /// The protocol version this build speaks (docs/PROTOCOL.md).
    public static let version: UInt8 = 2
    public static let size = 6

    public var version: UInt8
    public var command: Command

    public init(_ command: Command, version: UInt8 = WireHeader.version) {
        self.command = command
        self.version = version
    }

    public var bytes: Frame { Self.signature + [version, command.rawValue] }

    /// Parses a header frame, refusing other protocols, other versions and unknown commands.
    /// An `ERROR` from a peer of another version is still accepted so its reason can be shown.
    public init(parsing frame: Frame) throws(ProtocolError) {
        guard frame.count == Self.size, Array(frame[0 ..< 4]) == Self.signature else { throw .notCineMesh }
        let raw = frame[5]
        if frame[4] != Self.version {
            guard raw == Command.error.rawValue else { throw .versionMismatch(theirs: frame[4]) }
        }
        guard let command = Command(rawValue: raw) else { throw .unknownCommand(raw) }
        self.version = frame[4]
        self.command = command
    }
}
