import CineMeshCluster
import CineMeshData
import Foundation
import Testing

/// A worker or gateway meeting a coordinator of another protocol version: a stand-in coordinator
/// one version ahead refuses everything, as a real one refuses an older peer. The peer stops at
/// once saying which version each side speaks, with exit 76, instead of reconnecting.
@Suite struct ProtocolVersionTests {
    /// A ROUTER on loopback answering every message with the ERROR a coordinator of protocol
    /// `WireHeader.version + 1` sends, on a thread of its own until `stop()`.
    final class NewerCoordinator: @unchecked Sendable {
        static let version = WireHeader.version + 1
        let endpoint: String
        private let context: ZMQContext
        private let router: ZMQSocket
        private let lock = Lock()
        private var stopped = false
        private var received = 0
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            context = try ZMQContext()
            router = try ZMQSocket(context, .router)
            endpoint = try router.bind("tcp://127.0.0.1:*")
            Thread { self.serve() }.start()
        }

        /// Messages received so far.
        var heard: Int { lock.withLock { received } }

        func stop() {
            lock.withLock { stopped = true }
            done.wait()
            router.close()
            context.terminate()
        }

        private func serve() {
            defer { done.signal() }
            let refusal = ErrorBody(code: "version-mismatch", message: "protocol version \(WireHeader.version) is not supported: this peer speaks version \(Self.version)")
            let body = Array((try? JSONEncoder().encode(refusal)) ?? Data())
            while !lock.withLock({ stopped }) {
                guard (try? ZMQPoll.readable([router], timeoutMilliseconds: 20))?.first == true,
                      let frames = try? router.receive(dontWait: true), let routing = frames.first else { continue }
                lock.withLock { received += 1 }
                try? router.send([routing, Array("CMSH".utf8) + [Self.version, Command.error.rawValue], body])
            }
        }
    }

    /// What a peer says of it: the `cinemesh: error:` line.
    func refusal(_ peer: String, _ endpoint: String) -> String {
        "cinemesh: error: the coordinator at \(endpoint) speaks protocol \(NewerCoordinator.version), this \(peer) speaks "
            + "\(WireHeader.version): install the same CineMesh version on both"
    }

    @Test func aWorkerStopsSayingWhichProtocolEachSideSpeaks() throws {
        let coordinator = try NewerCoordinator()
        defer { coordinator.stop() }
        let scratch = Scratch()
        let worker = try cinemesh(["worker", "--coordinator", coordinator.endpoint, "--cache-dir", scratch.sub("cache")], timeout: 30)
        #expect(worker.status == 76, "\(worker.stderr)")
        #expect(worker.stderr.contains(refusal("worker", coordinator.endpoint)), "\(worker.stderr)")
        #expect(worker.stderr.contains("critical") && !worker.stderr.contains("reconnecting"), "\(worker.stderr)")
        #expect(coordinator.heard == 1, "one READY, no retry")
    }

    @Test func aGatewayStopsSayingWhichProtocolEachSideSpeaks() throws {
        let coordinator = try NewerCoordinator()
        defer { coordinator.stop() }
        let scratch = Scratch()
        let gateway = try cinemesh(["gateway", "--coordinator", coordinator.endpoint, "--models", scratch.sub("replica"), "--port", "0"], timeout: 30)
        #expect(gateway.status == 76, "\(gateway.stderr)")
        #expect(gateway.stderr.contains(refusal("gateway", coordinator.endpoint)), "\(gateway.stderr)")
        #expect(gateway.stderr.contains("critical") && !gateway.stderr.contains("reconnecting"), "\(gateway.stderr)")
        #expect(coordinator.heard == 1, "one WATCH-MODELS, no retry")
    }
}
