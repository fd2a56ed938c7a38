/// Removes the versions of an appended dataset that nothing uses any more (docs/FORMATS.md,
/// "Dataset versions"): every kept version but the newest and those `inUse`, and the files only
/// they name. Files a kept version names stay, however old (an append rewrites only the blocks
/// that changed, so most of version 1's shards are usually still the newest's).
///
/// A version goes manifest first (`versions/manifest-NNNN.json`): from then on nothing can open
/// it, and its files go after. Files of a version whose manifest went but whose files did not (a
/// stop in between) are found again by their versioned names (`-vNNNN.`) at the next prune.
/// Runs under the append lock, so it never meets an append's files before their commit; when an
/// append holds the lock it does nothing and says so (`Outcome.skipped`).
public enum DatasetPruner {
    /// What a prune removed.
    public struct Outcome: Sendable, Equatable {
        public var removedVersions: [Int] = []
        /// Removed files, relative to the dataset directory, in name order.
        public var removedFiles: [String] = []
        public var freedBytes: UInt64 = 0
        /// An append held the lock: nothing was looked at.
        public var skipped = false
    }

    /// Prunes the dataset at `path`, keeping the newest version, the versions in `inUse`, and
    /// with `before`, every version from `before` on. A caller that snapshots what is in use and
    /// prunes later passes the newest version at the snapshot as `before`: a version made after
    /// it may be in use by a job that opened it after the snapshot.
    @discardableResult
    public static func prune(_ path: String, keeping inUse: Set<Int>, before limit: Int? = nil) throws -> Outcome {
        var outcome = Outcome()
        guard FileSystem.isDirectory(FileSystem.join(path, "versions")) else { return outcome }
        let lock: FileLock
        do {
            lock = try FileLock(path: FileSystem.join(path, ".append.lock"), holder: "an append to this dataset")
        } catch {
            outcome.skipped = true
            return outcome
        }
        defer { lock.unlock() }
        let versions = try Dataset.versions(at: path)
        guard let newest = versions.last else { return outcome }
        let keep = inUse.union(versions.filter { $0 == newest || $0 >= (limit ?? .max) })
        var kept = Set<String>()
        var named: [Int: Set<String>] = [:]
        for version in versions {
            let manifest = try self.manifest(path, version: version, newest: newest)
            let files = Set(manifest.blocks.map(\.file) + manifest.files.map(\.file))
            if keep.contains(version) { kept.formUnion(files) } else { named[version] = files }
        }
        var doomed = Set<String>()
        for (version, files) in named.sorted(by: { $0.key < $1.key }) {
            FileSystem.removeTree(FileSystem.join(path, DatasetManifest.versionPath(version)))
            outcome.removedVersions.append(version)
            doomed.formUnion(files.subtracting(kept))
        }
        // Files left by a prune that stopped between a manifest and its files.
        for folder in ["", "blocks"] {
            let dir = folder.isEmpty ? path : FileSystem.join(path, folder)
            guard FileSystem.isDirectory(dir) else { continue }
            for name in try FileSystem.list(dir) {
                let file = folder.isEmpty ? name : "\(folder)/\(name)"
                guard let v = versionInName(name), !keep.contains(v), !kept.contains(file), !versions.contains(v) else { continue }
                doomed.insert(file)
            }
        }
        for file in doomed.sorted() {
            let full = FileSystem.join(path, file)
            guard FileSystem.exists(full) else { continue }
            outcome.freedBytes += FileSystem.size(full) ?? 0
            FileSystem.removeTree(full)
            outcome.removedFiles.append(file)
        }
        if !outcome.removedFiles.isEmpty || !outcome.removedVersions.isEmpty {
            try FileSystem.syncDirectory(path)
        }
        return outcome
    }

    static func manifest(_ path: String, version: Int, newest: Int) throws -> DatasetManifest {
        let file = FileSystem.join(path, version == newest ? Dataset.manifestName : DatasetManifest.versionPath(version))
        return try JSON.decode(DatasetManifest.self, from: try FileSystem.readAll(file), file: file)
    }

    /// NNNN of a name with `-vNNNN.` in it (what an append writes), else nil.
    static func versionInName(_ name: String) -> Int? {
        let chars = Array(name.utf8)
        guard chars.count >= 4 else { return nil }
        for start in stride(from: chars.count - 3, through: 0, by: -1) where chars[start] == UInt8(ascii: "-") && chars[start + 1] == UInt8(ascii: "v") {
            var end = start + 2
            while end < chars.count, chars[end] >= UInt8(ascii: "0"), chars[end] <= UInt8(ascii: "9") { end += 1 }
            guard end > start + 2, end < chars.count, chars[end] == UInt8(ascii: "."), end - start - 2 <= 9 else { return nil }
            return Int(String(decoding: chars[(start + 2) ..< end], as: UTF8.self))
        }
        return nil
    }
}
