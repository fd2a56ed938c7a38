import CZeroMQ

/// A libzmq context. Contexts are thread-safe; sockets made from them are not (see `ZMQSocket`).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var terminated = false

    public init(ioThreads: Int32 = 1) throws {
        guard let h = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        zmq_ctx_set(h, ZMQ_IO_THREADS, ioThreads)
        handle = h
    }

    deinit {
        // Every socket sets ZMQ_LINGER 0, so termination never waits on unsent messages.
        terminate()
    }

    /// Ends the context once every socket made from it is closed, after the messages of sockets
    /// closed with a linger (`ZMQSocket.close(lingering:)`) have left or their linger ran out: a
    /// process that says goodbye calls it before it exits, or the goodbye may never leave. Only
    /// the thread that owned the sockets may call it; the context is unusable afterwards.
    public func terminate() {
        guard !terminated else { return }
        terminated = true
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
