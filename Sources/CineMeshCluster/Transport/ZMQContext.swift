import CZeroMQ

/// A libzmq context. Contexts are thread-safe; sockets made from them are not (see `ZMQSocket`).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) throws {
        guard let h = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        zmq_ctx_set(h, ZMQ_IO_THREADS, ioThreads)
        handle = h
    }

    deinit {
        // Every socket sets ZMQ_LINGER 0, so termination never waits on unsent messages.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
