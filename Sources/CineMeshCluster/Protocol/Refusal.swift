/// A coordinator's ERROR that no retry gets past: the peer connected to the wrong endpoint
/// (`wrong-endpoint`) or speaks another protocol version (`version-mismatch`). A worker or a
/// gateway that receives one stops instead of reconnecting, and says why.
public struct Refusal: Sendable, Equatable {
    public var error: ErrorBody
    /// The protocol version the coordinator speaks: the one in the header of its ERROR, which
    /// keeps its command code in every version (`Command.error`).
    public var coordinatorProtocol: UInt8

    /// The refusal `error` is, or nil when it is one a retry may get past.
    public init?(_ error: ErrorBody, coordinatorProtocol: UInt8) {
        guard [ProtocolError.versionMismatch(theirs: 0).code, ProtocolError.wrongEndpoint("").code].contains(error.code) else { return nil }
        self.error = error
        self.coordinatorProtocol = coordinatorProtocol
    }

    public var isWrongEndpoint: Bool { error.code == ProtocolError.wrongEndpoint("").code }

    /// What to tell the operator: for another protocol version, which one each side speaks and
    /// what to do about it; else the coordinator's own words. `peer` is what this process is
    /// ("worker", "gateway"), `endpoint` the coordinator's endpoint it was given.
    public func explanation(peer: String, coordinator endpoint: String) -> String {
        guard !isWrongEndpoint, coordinatorProtocol != WireHeader.version else {
            return "the coordinator at \(endpoint) refused this \(peer): \(error.message)"
        }
        return "the coordinator at \(endpoint) speaks protocol \(coordinatorProtocol), this \(peer) speaks \(WireHeader.version): "
            + "install the same CineMesh version on both (cinemesh version shows it)"
    }
}
