import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how a `Type=notify` service is doing (deploy/systemd), by the protocol of
/// sd_notify(3) without libsystemd: one datagram of newline-separated `KEY=VALUE` lines to the
/// unix socket `$NOTIFY_SOCKET` names (a path, or an abstract socket when it starts with "@").
/// Without that variable (a process systemd did not start) every call does nothing. A datagram
/// that cannot be sent is a warning in the log, never an error of the service.
public struct SystemdNotifier: Sendable {
    /// The socket systemd listens on, nil when not started by systemd.
    public let socketPath: String?
    let logger: Logger

    public init(logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.logger = logger
    }

    /// `READY=1`: start-up is over (`systemctl start` returns, units ordered after this one
    /// start); `status` is the line `systemctl status` shows.
    public func ready(status: String) {
        notify("READY=1\nSTATUS=\(status)")
    }

    /// `STOPPING=1`: the service is shutting down (on SIGTERM, before it tells its peers).
    public func stopping() {
        notify("STOPPING=1\nSTATUS=stopping")
    }

    private func notify(_ state: String) {
        guard let socketPath else { return }
        do {
            try Self.send(state, to: socketPath)
        } catch {
            logger.warning("cannot notify systemd at \(socketPath): \(error)")
        }
    }

    /// Sends `state` as one datagram to the unix socket `path` ("@name": abstract).
    static func send(_ state: String, to path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs its terminating NUL; an abstract name is its bytes alone.
        guard name.count + (abstract ? 0 : 1) <= capacity else {
            throw POSIXError(.ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
        guard sent == bytes.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
