#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers the data library needs; no Foundation in hot or durable paths.
public enum FileSystem {
    /// The directory part of a path (`.` when there is none).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    public static func basename(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return String(p) }
        return String(p[p.index(after: slash)...])
    }

    /// `a/b`, without doubling slashes.
    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size in bytes, or nil when the path cannot be stat'ed.
    public static func size(_ path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_size)
    }

    /// Entries of a directory (names only, no `.`/`..`), sorted.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw DataError(.io, file: path, "cannot list directory: \(errnoText())") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates a directory and any missing parents.
    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let up = parent(of: path)
        if up != path && up != "." && up != "/" { try makeDirectories(up) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw DataError(.io, file: path, "cannot create directory: \(errnoText())")
        }
    }

    /// Removes a file or a directory tree; missing paths are fine.
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? list(path)) ?? [] { removeTree(join(path, name)) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// fsyncs a directory so a rename inside it is durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: path, "cannot open directory: \(errnoText())") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw DataError(.io, file: path, "fsync failed: \(errnoText())") }
    }

    /// Renames, with a clear error.
    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 {
            throw DataError(.io, file: to, "cannot rename \(from): \(errnoText())")
        }
    }

    /// Refuses a file its group or others may read or write (a secret key, a token), as ssh
    /// refuses such a private key; `what` names it in the error ("the secret key"). A file that
    /// cannot be found passes: the read that follows says so.
    public static func requireOwnerOnly(_ path: String, _ what: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        guard st.st_mode & 0o077 == 0 else {
            throw DataError(.usage, file: path, "\(what) is readable by others (mode \(String(st.st_mode & 0o777, radix: 8))): run chmod 600 on it")
        }
    }

    /// Reads a whole file.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError(.io, file: path, "cannot read: \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(.io, file: path, "cannot stat: \(errnoText())") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(.io, file: path, "is a directory, expected a file") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        try bytes.withUnsafeMutableBytes { buf in
            while offset < size {
                let n = read(fd, buf.baseAddress! + offset, size - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DataError(.io, file: path, "read failed: \(errnoText())")
                }
                if n == 0 { break }
                offset += n
            }
        }
        if offset < size { bytes.removeLast(size - offset) }
        return bytes
    }

    /// Whether a process with this pid is alive.
    public static func processAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
