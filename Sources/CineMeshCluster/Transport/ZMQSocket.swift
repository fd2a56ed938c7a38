import CZeroMQ

/// One ZeroMQ frame's bytes.
public typealias Frame = [UInt8]

/// A libzmq socket. Not thread-safe: create, use and close it on one thread (the loop that owns it).
/// Every socket gets ZMQ_LINGER 0, so closing never blocks on a peer that went away.
public final class ZMQSocket {
    public enum Kind {
        case router, dealer, push, pull
        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
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
    /// instead of blocking (ROUTER sockets drop to unknown peers silently either way).
    public func send(_ frames: [Frame], dontWait: Bool = false) throws {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            guard rc >= 0 else { throw ZMQError("zmq_send") }
        }
    }

    /// Receives one whole multipart message, or nil when `dontWait` and nothing is queued.
    /// The `zmq_msg_t` lives on the heap and is never copied, as libzmq requires.
    public func receive(dontWait: Bool = false) throws -> [Frame]? {
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
            if zmq_msg_more(msg) == 0 { return frames }
        }
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
