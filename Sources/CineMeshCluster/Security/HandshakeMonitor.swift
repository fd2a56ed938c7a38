import CZeroMQ
import Foundation

/// The handshake failures of one socket, from libzmq's socket monitor: the coordinator logs peers
/// that fail its handshake (plain TCP against a CURVE socket, garbage instead of ZMTP), and a
/// worker, client or gateway learns why the coordinator will not talk to it (a key not on its
/// allow-list, CURVE on one side only) instead of waiting in silence. Not thread-safe: the thread
/// that owns the watched socket owns its monitor.
final class HandshakeMonitor {
    /// One failed handshake.
    struct Failure: Equatable {
        enum Kind: Equatable {
            /// The ZAP handler refused the key (`status` is its code, 400 for a key not allowed).
            case refused(status: UInt32)
            /// The peers disagree on the mechanism (CURVE on one side only) or broke the protocol.
            case protocolError(code: UInt32)
            /// The connection dropped during the handshake (garbage, a cut link).
            case other
        }

        var kind: Kind
        /// The endpoint as libzmq names it (for a bound socket, the local one).
        var endpoint: String

        /// Why, in words for a log line or an error message.
        var reason: String {
            switch kind {
            case .refused(let status): "the key was refused (ZAP status \(status): not on the coordinator's allow-list, or not for this endpoint)"
            case .protocolError(let code) where code == UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH):
                "the security mechanisms differ: one side uses CURVE and the other plain TCP"
            case .protocolError(let code): "the handshake broke the protocol (libzmq code 0x\(String(code, radix: 16)))"
            case .other: "the connection ended during the handshake"
            }
        }
    }

    private let socket: ZMQSocket

    /// Watches `watched` (made from `context`) for failed handshakes.
    init(watching watched: ZMQSocket, context: ZMQContext) throws {
        let endpoint = "inproc://cinemesh-monitor-\(UInt64.random(in: 0 ... .max))"
        let events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        guard zmq_socket_monitor(watched.handle, endpoint, events) == 0 else { throw ZMQError("zmq_socket_monitor") }
        socket = try ZMQSocket(context, .pair)
        try socket.connect(endpoint)
    }

    /// The socket to poll with the watched one.
    var pollable: ZMQSocket { socket }

    /// The failures reported since the last call, oldest first.
    func failures() -> [Failure] {
        var out: [Failure] = []
        while let frames = try? socket.receive(dontWait: true) {
            guard frames.count == 2, frames[0].count == 6 else { continue }
            let event = UInt16(frames[0][0]) | UInt16(frames[0][1]) << 8
            let value = frames[0][2 ..< 6].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let endpoint = String(decoding: frames[1], as: UTF8.self)
            switch Int32(event) {
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(Failure(kind: .refused(status: value), endpoint: endpoint))
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: out.append(Failure(kind: .protocolError(code: value), endpoint: endpoint))
            default: out.append(Failure(kind: .other, endpoint: endpoint))
            }
        }
        return out
    }

    func close() {
        socket.close()
    }
}
