import CineMeshAnalytics
import CineMeshData
import Foundation

/// What a worker keeps between query tasks and between queries: the decoded tables of the
/// datasets it served last (keyed by the files' content-addressed paths) and decoded rating
/// blocks up to a memory budget ($CINEMESH_QUERY_CACHE_MB, default 2048; least recently used
/// go first), so a warm query reads no file and decodes nothing.
final class QueryInputs: @unchecked Sendable {
    static let shared = QueryInputs()

    private let lock = Lock()
    private var tableSets: [(key: String, tables: QueryTables)] = []
    private var blocks: [String: (block: QueryBlock, bytes: Int, used: UInt64)] = [:]
    private var blockBytes = 0
    private var clock: UInt64 = 0
    private let budget: Int = (ProcessInfo.processInfo.environment["CINEMESH_QUERY_CACHE_MB"].flatMap(Int.init) ?? 2048) << 20

    /// The tables of the dataset whose files (by role) are `files`.
    func tables(files: [String: String], timestamps: Bool) throws -> QueryTables {
        let key = files.keys.sorted().map { "\($0)=\(files[$0]!)" }.joined(separator: ";") + ";ts=\(timestamps)"
        if let hit = lock.withLock({ tableSets.first { $0.key == key }?.tables }) { return hit }
        func read<T>(_ role: String, _ decode: ([UInt8], String) throws -> T) throws -> T? {
            guard let path = files[role] else { return nil }
            return try decode(try FileSystem.readAll(path), path)
        }
        guard let users = try read("users-idmap", IdMap.decode), let items = try read("items-idmap", IdMap.decode) else {
            throw DataError(.usage, "query-block: the id maps are missing")
        }
        let tables = QueryTables(users: users, items: items, catalog: try read("catalog", ColumnTable.decode),
                                 userAttributes: try read("user-attributes", ColumnTable.decode), tags: try read("tags", ColumnTable.decode),
                                 hasTimestamps: timestamps)
        lock.withLock {
            tableSets.append((key, tables))
            if tableSets.count > 4 { tableSets.removeFirst() }
        }
        return tables
    }

    /// The block in the shard file at `path`, decoded once while it fits the budget.
    func block(path: String) throws -> QueryBlock {
        if let hit: QueryBlock = lock.withLock({
            clock += 1
            guard let entry = blocks[path] else { return nil }
            blocks[path]!.used = clock
            return entry.block
        }) { return hit }
        let block = QueryBlock(try ShardFile.read(path))
        let bytes = block.bytes
        lock.withLock {
            guard bytes <= budget else { return }
            while blockBytes + bytes > budget, let oldest = blocks.min(by: { $0.value.used < $1.value.used }) {
                blockBytes -= oldest.value.bytes
                blocks[oldest.key] = nil
            }
            blocks[path] = (block, bytes, clock)
            blockBytes += bytes
        }
        return block
    }
}
