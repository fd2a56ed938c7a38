import CineMeshData
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A worker's local, content-addressed file cache: `objects/<xxh64>` holds a file whose XXH64 is
/// its name. Files arrive as `<xxh64>.partial`, are verified, then renamed into place, so a file
/// under its final name is always whole and correct; a restart or the next job reuses it.
public final class ShardCache: Sendable {
    public let directory: String
    let objects: String

    public init(directory: String) throws {
        self.directory = directory
        objects = FileSystem.join(directory, "objects")
        try FileSystem.makeDirectories(objects)
        // Leftovers of transfers a previous run did not finish.
        for name in try FileSystem.list(objects) where name.hasSuffix(".partial") {
            unlink(FileSystem.join(objects, name))
        }
    }

    public func path(_ ref: FileRef) -> String { FileSystem.join(objects, ref.xxh64) }
    func partialPath(_ ref: FileRef) -> String { FileSystem.join(objects, ref.xxh64 + ".partial") }

    /// Moves a fetched file, verified in its partial path, into the cache.
    func admit(_ fetch: FileFetch) throws {
        try FileSystem.rename(fetch.partialPath, path(fetch.ref))
    }

    /// Whether the cache holds `ref` (by name and size; the content was verified on arrival).
    public func contains(_ ref: FileRef) -> Bool {
        FileSystem.size(path(ref)) == ref.bytes
    }

    /// Content names of the cached files.
    public var contents: [String] {
        ((try? FileSystem.list(objects)) ?? []).filter { !$0.hasSuffix(".partial") }.sorted()
    }

    /// Removes a cached file found to be damaged, so it is fetched again.
    public func evict(_ ref: FileRef) {
        unlink(path(ref))
    }

    /// The worker's stable id: `configured` if set, else the id stored in the cache directory,
    /// else a new one (host name and random suffix) that is stored for next time.
    public func workerId(configured: String) throws -> String {
        if !configured.isEmpty { return configured }
        let file = FileSystem.join(directory, "worker-id")
        if let bytes = try? FileSystem.readAll(file) {
            let id = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "worker"
        let id = "\(host)-\(String(UInt32.random(in: 0 ... .max), radix: 16))"
        _ = try AtomicFile.write(Array((id + "\n").utf8), to: file)
        return id
    }

    /// Free bytes on the cache's file system.
    public var freeBytes: UInt64 {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return 0 }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }
}
