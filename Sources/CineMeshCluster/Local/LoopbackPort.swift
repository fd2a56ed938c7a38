import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port a lasting local cluster may take again.
enum LoopbackPort {
    /// The port of `tcp://127.0.0.1:PORT` or `127.0.0.1:PORT`; nil for anything else.
    static func port(of endpoint: String) -> UInt16? {
        let address = endpoint.hasPrefix("tcp://") ? String(endpoint.dropFirst(6)) : endpoint
        guard address.hasPrefix("127.0.0.1:"), let port = UInt16(address.dropFirst(10)), port > 0 else { return nil }
        return port
    }

    /// Whether a listener can bind `127.0.0.1:port` now (with SO_REUSEADDR, as libzmq and NIO
    /// bind, so a port in TIME_WAIT after the last cluster stopped counts as free).
    static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
