import CZeroMQ

/// A failed libzmq call: the operation and libzmq's own message for `errno`.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code)))"
    }

    init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
    }

    /// True for EAGAIN (a timed-out or non-blocking operation that would have blocked).
    public var wouldBlock: Bool { code == EAGAIN }
}
