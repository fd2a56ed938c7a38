import CZeroMQ

/// One ZeroMQ frame's bytes.
public typealias Frame = [UInt8]

/// A libzmq socket. Not thread-safe: create, use and close it on one thread (the loop that owns it).
/// Every socket gets ZMQ_LINGER 0, so closing never blocks on a peer that went away.
public final class ZMQSocket {
    public enum Kind {
        case router, dealer, push, pull, pair, rep
        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .pair: ZMQ_PAIR
            case .rep: ZMQ_REP
            }
        }
    }

    let handle: UnsafeMutableRawPointer
    private let context: ZMQContext
    private var closed = false

    public init(_ context: ZMQContext, _ kind: Kind) throws {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw ZMQError("zmq_socket") }
        self.context = context
        handle = h
        try setOption(ZMQ_LINGER, 0)
    }

    deinit { close() }

    /// Closes the socket, first giving messages already queued up to `milliseconds` to leave
    /// (a goodbye such as DISCONNECT), instead of dropping them at once.
    public func close(lingering milliseconds: Int32) {
        if !closed { try? setOption(ZMQ_LINGER, milliseconds) }
        close()
    }

    public func close() {
        if !closed {
            closed = true
            zmq_close(handle)
        }
    }

    public func setOption(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Sets an option whose value is bytes (a CURVE key in binary, a ZAP domain).
    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        guard bytes.withUnsafeBytes({ zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Binds and returns the endpoint actually bound (a `*` port resolved to the real one).
    @discardableResult
    public func bind(_ endpoint: String) throws -> String {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError("bind \(endpoint)") }
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return endpoint }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError("connect \(endpoint)") }
    }

    /// Sends `frames` as one multipart message. With `dontWait`, a full queue throws EAGAIN
    /// instead of blocking (ROUTER sockets drop to unknown peers silently either way). Frames of
    /// `zeroCopyBytes` or more are not copied: libzmq reads them from the array's storage, which
    /// stays alive (and, shared, is never written in place) until libzmq lets go of it.
    public func send(_ frames: [Frame], dontWait: Bool = false) throws {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            if frame.count >= Self.zeroCopyBytes {
                try sendWithoutCopy(frame, flags: flags)
                continue
            }
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            guard rc >= 0 else { throw ZMQError("zmq_send") }
        }
    }

    /// Frames from this size on are sent without a copy (below it a copy is cheaper than the
    /// bookkeeping).
    public static let zeroCopyBytes = 32 * 1024

    /// Keeps a frame's storage alive while libzmq sends from it.
    private final class Held {
        let frame: Frame
        init(_ frame: Frame) { self.frame = frame }
    }

    private func sendWithoutCopy(_ frame: Frame, flags: Int32) throws {
        let msg = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        defer { msg.deallocate() }
        let held = Unmanaged.passRetained(Held(frame))
        let data = held.takeUnretainedValue().frame.withUnsafeBytes { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
        let release: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { _, hint in
            Unmanaged<Held>.fromOpaque(hint!).release()
        }
        guard zmq_msg_init_data(msg, data, frame.count, release, held.toOpaque()) == 0 else {
            held.release()
            throw ZMQError("zmq_msg_init_data")
        }
        guard zmq_msg_send(msg, handle, flags) >= 0 else {
            let error = ZMQError("zmq_msg_send")
            zmq_msg_close(msg)   // not sent: libzmq lets go of the frame here
            throw error
        }
    }

    /// Moves one whole multipart message from this socket to `destination` without copying its
    /// frames: `decide` sees copies of the first `inspect` frames and says whether to send it on,
    /// less its first `drop` frames. nil when no message is waiting.
    public func forward(to destination: ZMQSocket, inspect: Int, drop: Int, decide: ([Frame]) -> Bool) throws -> Bool? {
        var parts: [UnsafeMutablePointer<zmq_msg_t>] = []
        defer {
            for m in parts {
                zmq_msg_close(m)
                m.deallocate()
            }
        }
        while true {
            let m = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
            zmq_msg_init(m)
            parts.append(m)
            if zmq_msg_recv(m, handle, parts.count == 1 ? ZMQ_DONTWAIT : 0) < 0 {
                let error = ZMQError("zmq_msg_recv")
                if parts.count == 1 && (error.wouldBlock || error.code == EINTR) { return nil }
                throw error
            }
            if zmq_msg_more(m) == 0 { break }
        }
        let seen = parts.prefix(inspect).map { m -> Frame in
            let size = zmq_msg_size(m)
            return size == 0 ? [] : Array(UnsafeRawBufferPointer(start: zmq_msg_data(m), count: size))
        }
        guard decide(seen), drop < parts.count else { return false }
        for (i, m) in parts.enumerated().dropFirst(drop) {
            // A sent zmq_msg_t is left empty, and closing it after is harmless.
            guard zmq_msg_send(m, destination.handle, (i < parts.count - 1 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) >= 0 else {
                throw ZMQError("zmq_msg_send")
            }
        }
        return true
    }

    /// Receives one whole multipart message, or nil when `dontWait` and nothing is queued.
    /// The `zmq_msg_t` lives on the heap and is never copied, as libzmq requires.
    public func receive(dontWait: Bool = false) throws -> [Frame]? {
        try receive(dontWait: dontWait, peer: nil)
    }

    /// Receives one whole multipart message with what libzmq knows of the peer that sent it: its
    /// address and the user id its authentication gave (`PeerMetadata`).
    public func receiveWithPeer(dontWait: Bool = false) throws -> (frames: [Frame], peer: PeerMetadata)? {
        var peer = PeerMetadata()
        return try receive(dontWait: dontWait, peer: &peer).map { ($0, peer) }
    }

    private func receive(dontWait: Bool, peer: UnsafeMutablePointer<PeerMetadata>?) throws -> [Frame]? {
        let msg = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        defer { msg.deallocate() }
        var frames: [Frame] = []
        while true {
            zmq_msg_init(msg)
            defer { zmq_msg_close(msg) }
            let rc = zmq_msg_recv(msg, handle, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let error = ZMQError("zmq_msg_recv")
                if error.wouldBlock && frames.isEmpty { return nil }
                if error.code == EINTR && frames.isEmpty { return nil }
                throw error
            }
            let size = zmq_msg_size(msg)
            if size == 0 {
                frames.append([])
            } else {
                let data = zmq_msg_data(msg)!
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(msg) == 0 {
                // The frames a peer sent carry its metadata (a ROUTER's routing-id frame does not).
                if let peer {
                    peer.pointee.userId = zmq_msg_gets(msg, "User-Id").map { String(cString: $0) }
                    peer.pointee.address = zmq_msg_gets(msg, "Peer-Address").map { String(cString: $0) }
                }
                return frames
            }
        }
    }
}

/// What libzmq tells of the peer a message came from.
public struct PeerMetadata: Sendable, Equatable {
    /// The user id the ZAP handler gave the connection (CURVE: "ROLE:NAME"); nil without one.
    public var userId: String?
    /// The peer's IP address (TCP only).
    public var address: String?

    public init(userId: String? = nil, address: String? = nil) {
        self.userId = userId
        self.address = address
    }

    /// The allow-list's name for the peer's key: NAME of the user id "ROLE:NAME".
    public var keyName: String? {
        userId.flatMap { id in id.firstIndex(of: ":").map { String(id[id.index(after: $0)...]) } }
    }
}

/// Waits on several sockets at once (`zmq_poll`).
public enum ZMQPoll {
    /// Returns, for each socket, whether it has a message to read. `timeoutMilliseconds` < 0 waits
    /// forever; an interrupted wait (EINTR) returns all false.
    public static func readable(_ sockets: [ZMQSocket], timeoutMilliseconds: Int) throws -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if rc < 0 {
            let error = ZMQError("zmq_poll")
            if error.code == EINTR { return Array(repeating: false, count: sockets.count) }
            throw error
        }
        return items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
    }
}
