import CZeroMQ
import Testing

/// Fails loudly when libzmq is missing or broken: opens real sockets and moves a message.
@Suite struct ZeroMQSmokeTests {
    @Test func libzmqIsVersion4() {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        #expect(major == 4 && minor >= 3)
    }

    @Test func pairOverLoopbackTCPMovesAMessage() throws {
        let ctx = try #require(zmq_ctx_new())
        defer { zmq_ctx_term(ctx) }
        let a = try #require(zmq_socket(ctx, ZMQ_PAIR))
        let b = try #require(zmq_socket(ctx, ZMQ_PAIR))
        var linger: Int32 = 0
        zmq_setsockopt(a, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        zmq_setsockopt(b, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        var timeout: Int32 = 5000
        zmq_setsockopt(b, ZMQ_RCVTIMEO, &timeout, MemoryLayout<Int32>.size)
        defer { zmq_close(a); zmq_close(b) }
        #expect(zmq_bind(a, "tcp://127.0.0.1:*") == 0)
        var endpoint = [CChar](repeating: 0, count: 256)
        var size = endpoint.count
        #expect(zmq_getsockopt(a, ZMQ_LAST_ENDPOINT, &endpoint, &size) == 0)
        let address = String(decoding: endpoint.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(address.hasPrefix("tcp://127.0.0.1:"))
        #expect(zmq_connect(b, address) == 0)
        let payload = Array("ping".utf8)
        #expect(payload.withUnsafeBytes { zmq_send(a, $0.baseAddress, $0.count, 0) } == 4)
        var received = [UInt8](repeating: 0, count: 16)
        let n = received.withUnsafeMutableBytes { zmq_recv(b, $0.baseAddress, $0.count, 0) }
        #expect(n == 4)
        #expect(Array(received.prefix(Int(max(n, 0)))) == payload)
    }
}
