/// Datasets opened before, reused while their manifest is byte for byte the same: a coordinator
/// that runs many short jobs (queries) on one dataset opens and verifies it once, not per job.
/// A dataset written again (ingest replaces the directory atomically) has a new manifest and is
/// opened afresh.
public final class DatasetCache: @unchecked Sendable {
    private let lock = Lock()
    private var entries: [(path: String, manifest: UInt64, dataset: Dataset)] = []
    private let capacity: Int

    public init(capacity: Int = 8) { self.capacity = capacity }

    /// The dataset at `path`, from the cache when its manifest has not changed.
    public func open(_ path: String) throws -> Dataset {
        let manifestPath = FileSystem.join(path, Dataset.manifestName)
        guard FileSystem.exists(manifestPath) else { return try Dataset(path: path) }
        let hash = XXHash64.hash(try FileSystem.readAll(manifestPath))
        if let hit = lock.withLock({ entries.first { $0.path == path && $0.manifest == hash }?.dataset }) { return hit }
        let dataset = try Dataset(path: path)
        lock.withLock {
            entries.removeAll { $0.path == path }
            entries.append((path, hash, dataset))
            if entries.count > capacity { entries.removeFirst() }
        }
        return dataset
    }
}
