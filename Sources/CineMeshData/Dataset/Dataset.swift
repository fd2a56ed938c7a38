/// An open dataset directory: manifest, id maps and tables loaded and verified; shards loaded on
/// demand (each verified against its own trailer and against the manifest's checksum).
public struct Dataset: Sendable {
    public static let manifestName = "manifest.json"

    public let path: String
    public let manifest: DatasetManifest
    public let users: IdMap
    public let items: IdMap
    /// One row per title (column `item` holds the external id), when the source had one.
    public let catalog: ColumnTable?
    /// Per-user attributes (column `user`), when the source had them.
    public let userAttributes: ColumnTable?
    /// Free-text tags (columns `user`, `item`, `tag`, `timestamp`), when the source had them.
    public let tags: ColumnTable?

    /// Opens and verifies everything but the shards: the newest version, or `version` (kept under
    /// `versions/` once the dataset has been appended to). Every file a version names is
    /// immutable, so a dataset opened before an append keeps reading its own version whole.
    public init(path: String, version: Int? = nil) throws {
        self.path = path
        var manifestPath = FileSystem.join(path, Self.manifestName)
        if let version, !FileSystem.exists(FileSystem.join(path, DatasetManifest.versionPath(version))) {
            let newest = try Self.versions(at: path).last ?? 1
            guard version == newest else {
                throw DataError(.usage, file: path, "no dataset version \(version) (versions: \(try Self.versions(at: path).map(String.init).joined(separator: ", ")))")
            }
        } else if let version {
            manifestPath = FileSystem.join(path, DatasetManifest.versionPath(version))
        }
        guard FileSystem.isDirectory(path) else {
            throw DataError(.io, file: path, FileSystem.exists(path) ? "not a dataset directory" : "no such dataset directory")
        }
        guard FileSystem.exists(manifestPath) else {
            throw DataError(.damaged, file: manifestPath, "missing: not a CineMesh dataset (run `cinemesh ingest` first)")
        }
        let m = try JSON.decode(DatasetManifest.self, from: try FileSystem.readAll(manifestPath), file: manifestPath)
        guard m.format == DatasetManifest.formatName else {
            throw DataError(.damaged, file: manifestPath, "format is '\(m.format)', expected '\(DatasetManifest.formatName)'")
        }
        guard m.formatVersion == DatasetManifest.currentVersion else {
            throw DataError(.versionMismatch, file: manifestPath, "dataset format version \(m.formatVersion) is not supported (this build reads version \(DatasetManifest.currentVersion))")
        }
        guard m.grid.isValid(users: m.users, items: m.items), m.blocks.count == m.grid.blockCount,
              m.blocks.reduce(0, { $0 + $1.ratings }) == m.ratings else {
            throw DataError(.damaged, file: manifestPath, "grid, block list and counts disagree")
        }
        manifest = m
        func verified(_ role: String) throws -> [UInt8]? {
            guard let entry = m.file(role: role) else { return nil }
            let p = FileSystem.join(path, entry.file)
            let bytes = try FileSystem.readAll(p)
            let sum = XXHash64.hash(bytes).hex16
            if sum != entry.xxh64 || UInt64(bytes.count) != entry.bytes {
                throw DataError(.damaged, file: p, "does not match the manifest (size \(bytes.count), xxh64 \(sum); manifest says \(entry.bytes), \(entry.xxh64))")
            }
            return bytes
        }
        guard let ub = try verified("users-idmap"), let ib = try verified("items-idmap") else {
            throw DataError(.damaged, file: manifestPath, "lists no id maps")
        }
        users = try IdMap.decode(ub, file: FileSystem.join(path, m.file(role: "users-idmap")!.file))
        items = try IdMap.decode(ib, file: FileSystem.join(path, m.file(role: "items-idmap")!.file))
        guard users.count == m.users, items.count == m.items else {
            throw DataError(.damaged, file: manifestPath, "id map sizes disagree with the counts")
        }
        catalog = try verified("catalog").map { try ColumnTable.decode($0, file: FileSystem.join(path, m.file(role: "catalog")!.file)) }
        userAttributes = try verified("user-attributes").map { try ColumnTable.decode($0, file: FileSystem.join(path, m.file(role: "user-attributes")!.file)) }
        tags = try verified("tags").map { try ColumnTable.decode($0, file: FileSystem.join(path, m.file(role: "tags")!.file)) }
    }

    public var grid: Grid { manifest.grid }

    /// The versions a dataset directory can open, oldest first: those kept under `versions/`
    /// and the newest (`manifest.json`).
    public static func versions(at path: String) throws -> [Int] {
        let newest = try JSON.decode(DatasetManifest.self, from: try FileSystem.readAll(FileSystem.join(path, manifestName)),
                                     file: FileSystem.join(path, manifestName)).datasetVersion
        let dir = FileSystem.join(path, "versions")
        let kept = FileSystem.isDirectory(dir) ? try FileSystem.list(dir).compactMap { name -> Int? in
            guard name.hasPrefix("manifest-"), name.hasSuffix(".json") else { return nil }
            return Int(name.dropFirst("manifest-".count).dropLast(".json".count))
        } : []
        return Array(Set(kept + [newest])).sorted()
    }

    /// Loads block (row, column), verified against its trailer and the manifest.
    public func block(row: Int, column: Int, includeTimestamps: Bool = true) throws -> RatingBlock {
        guard let entry = manifest.block(row: row, column: column) else {
            throw DataError(.usage, file: path, "no block (\(row), \(column)) in a \(grid.rows)x\(grid.columns) grid")
        }
        let p = FileSystem.join(path, entry.file)
        let block = try ShardFile.read(p, includeTimestamps: includeTimestamps)
        guard block.count == entry.ratings, block.row == row, block.column == column,
              block.userRange == grid.userRange(row: row), block.itemRange == grid.itemRange(column: column) else {
            throw DataError(.damaged, file: p, "does not match the manifest's block (\(row), \(column))")
        }
        return block
    }

    /// Every block in row-major order.
    public func allBlocks(includeTimestamps: Bool = true) throws -> [RatingBlock] {
        var out: [RatingBlock] = []
        for r in 0 ..< grid.rows {
            for c in 0 ..< grid.columns { out.append(try block(row: r, column: c, includeTimestamps: includeTimestamps)) }
        }
        return out
    }

    /// Catalog row of each dense item index (nil where the catalog has no entry).
    public func catalogRows() -> [Int?] {
        guard let catalog, let keys = catalog.strings("item") else { return Array(repeating: nil, count: items.count) }
        var rows = [Int?](repeating: nil, count: items.count)
        for (row, key) in keys.enumerated() {
            if let i = items.index(of: key) { rows[Int(i)] = row }
        }
        return rows
    }
}
