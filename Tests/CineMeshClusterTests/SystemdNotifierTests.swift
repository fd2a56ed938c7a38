import CineMeshCluster
import Foundation
import Logging
import Testing

/// The sd_notify datagrams, read from a unix datagram socket standing in for systemd's.
@Suite struct SystemdNotifierTests {
    /// A bound datagram socket at `name` (a path, or "@abstract"); the received datagrams as text.
    final class Listener {
        let fd: Int32
        let path: String

        init(_ name: String) throws {
            path = name
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            let abstract = bytes.first == UInt8(ascii: "@")
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            if !path.hasPrefix("@") { unlink(path) }
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n < 0 ? nil : String(decoding: buffer[0 ..< n], as: UTF8.self)
        }
    }

    let logger = Logger(label: "test")

    @Test func readyAndStoppingReachTheSocketNotifySocketNames() throws {
        let listener = try Listener("/tmp/cinemesh-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let notifier = SystemdNotifier(logger: logger, environment: ["NOTIFY_SOCKET": listener.path])
        notifier.ready(status: "listening on http://127.0.0.1:8080")
        #expect(listener.receive() == "READY=1\nSTATUS=listening on http://127.0.0.1:8080")
        notifier.stopping()
        #expect(listener.receive() == "STOPPING=1\nSTATUS=stopping")
    }

    @Test func anAbstractSocketStartsWithAnAt() throws {
        let listener = try Listener("@cinemesh-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        SystemdNotifier(logger: logger, environment: ["NOTIFY_SOCKET": listener.path]).ready(status: "up")
        #expect(listener.receive() == "READY=1\nSTATUS=up")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        #expect(SystemdNotifier(logger: logger, environment: [:]).socketPath == nil)
        #expect(SystemdNotifier(logger: logger, environment: ["NOTIFY_SOCKET": ""]).socketPath == nil)
        // Not started by systemd: a no-op, whatever the call.
        SystemdNotifier(logger: logger, environment: [:]).ready(status: "up")
    }
}
