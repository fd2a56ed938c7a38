import CineMeshData
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its output appended to a log file. `detached`
/// children get their own session (`setsid`), so they outlive the command that started them.
public struct ChildProcess: Codable, Sendable, Equatable {
    public var name: String
    public var pid: Int32
    public var log: String

    /// Starts `executable` with `arguments`; stdout and stderr go to `log`.
    public static func spawn(name: String, executable: String, arguments: [String], log: String, detached: Bool) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else leaks into the child: not our sockets, and not the pipe or socket a parent
        // (a shell, a test harness) watches to learn when *we* exit.
        for fd in openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if detached { posix_spawnattr_setflags(&attributes, 0x80 /* POSIX_SPAWN_SETSID (glibc >= 2.26; not imported by Swift) */) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw DataError(.io, file: executable, "cannot start \(name): \(String(cString: strerror(rc)))") }
        return ChildProcess(name: name, pid: pid, log: log)
    }

    /// This process's open file descriptors, from /proc/self/fd.
    private static func openDescriptors() -> [Int32] {
        guard let dir = opendir("/proc/self/fd") else { return [] }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var fds: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd != own { fds.append(fd) }
        }
        return fds
    }

    public var isAlive: Bool {
        // Reap it first if it is our own child that has exited.
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return false }
        return kill(pid, 0) == 0
    }

    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits until the process is gone; false when `milliseconds` passed first.
    public func waitForExit(milliseconds: Int) -> Bool {
        let deadline = MonotonicClock.milliseconds() + UInt64(milliseconds)
        while MonotonicClock.milliseconds() < deadline {
            if !isAlive { return true }
            usleep(20_000)
        }
        return !isAlive
    }

    /// The last `lines` lines of the log (for error messages).
    public func logTail(_ lines: Int = 15) -> String {
        guard let bytes = try? FileSystem.readAll(log) else { return "" }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
