/// Builds a directory atomically: everything is written into a hidden sibling
/// (`.NAME.partial-PID`), and only `commit()` renames it into place. A failure or an `abort()`
/// removes the partial directory, so a dataset is either complete or absent. Partial directories
/// left by a killed process are removed by the next transaction on the same parent.
public final class DirectoryTransaction {
    public let target: String
    /// Where to write the files while building.
    public let staging: String
    private let parent: String
    private let name: String
    private var finished = false

    /// `overwrite` replaces an existing target only if it is itself a CineMesh directory (it holds
    /// `marker`) or empty, never an unrelated directory.
    public init(target: String, overwrite: Bool, marker: String) throws {
        var t = target
        while t.count > 1 && t.hasSuffix("/") { t.removeLast() }
        self.target = t
        parent = FileSystem.parent(of: t)
        name = FileSystem.basename(t)
        if FileSystem.exists(t) {
            guard overwrite else { throw DataError(.usage, file: t, "already exists; pass --force to replace it") }
            let isOurs = FileSystem.isDirectory(t) && FileSystem.exists(FileSystem.join(t, marker))
            let replaceable = try isOurs || (FileSystem.isDirectory(t) && FileSystem.list(t).isEmpty)
            guard replaceable else {
                throw DataError(.usage, file: t, "exists and is not a CineMesh output directory; refusing to replace it")
            }
        }
        try FileSystem.makeDirectories(parent)
        for entry in try FileSystem.list(parent) where entry.hasPrefix(".\(name).partial-") || entry.hasPrefix(".\(name).old-") {
            if let pid = Int32(entry.split(separator: "-").last ?? ""), !FileSystem.processAlive(pid) {
                FileSystem.removeTree(FileSystem.join(parent, entry))
            }
        }
        staging = FileSystem.join(parent, ".\(name).partial-\(getpidValue())")
        FileSystem.removeTree(staging)
        try FileSystem.makeDirectories(staging)
    }

    deinit {
        if !finished { abort() }
    }

    /// Path of a file inside the staging directory.
    public func path(_ relative: String) -> String { FileSystem.join(staging, relative) }

    /// Moves the finished directory into place (replacing an old one) and syncs the parent.
    public func commit() throws {
        do {
            try FileSystem.syncDirectory(staging)
            if FileSystem.exists(target) {
                let old = FileSystem.join(parent, ".\(name).old-\(getpidValue())")
                try FileSystem.rename(target, old)
                try FileSystem.rename(staging, target)
                FileSystem.removeTree(old)
            } else {
                try FileSystem.rename(staging, target)
            }
            try FileSystem.syncDirectory(parent)
            finished = true
        } catch {
            abort()
            throw error
        }
    }

    /// Removes everything written so far.
    public func abort() {
        FileSystem.removeTree(staging)
        finished = true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func getpidValue() -> Int32 { getpid() }
