import CineMeshData
import CineMeshModel
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A directory of model versions with a registry in SQLite (`registry.sqlite`, WAL): every
/// published model gets the next version number and a file `model-vNNNNNN.cmmodel`, under a name
/// (by default `DATASET/ALGORITHM`, e.g. `ml-100k/svd`): the models of one name are the versions
/// of one recommender, which a gateway follows. The newest `keep` versions of each name keep their
/// files, older ones are pruned (file deleted, row kept and marked).
/// Publishing writes the file inside the registry transaction, so a failed write leaves no row;
/// loading checks the file against the size and XXH64 the registry recorded.
public final class ModelStore: Sendable {
    public let directory: String
    public let keep: Int
    private let db: DatabaseQueue

    public static let registryName = "registry.sqlite"

    public init(directory: String, keep: Int = 5) throws {
        guard keep >= 1 else { throw DataError(.usage, "a model store must keep at least 1 version") }
        self.directory = directory
        self.keep = keep
        if FileSystem.exists(directory) && !FileSystem.isDirectory(directory) {
            throw DataError(.usage, file: directory, "is a file, not a model store directory")
        }
        try FileSystem.makeDirectories(directory)
        db = try SQLiteDatabase.open(FileSystem.join(directory, Self.registryName), what: "model registry") { migrator in
            migrator.registerMigration("v1") { db in
                try db.create(table: "model") { t in
                    t.autoIncrementedPrimaryKey("version")
                    t.column("algorithm", .text).notNull()
                    t.column("dataset", .text).notNull()
                    t.column("dataset_hash", .text).notNull()
                    t.column("file", .text).notNull()
                    t.column("bytes", .integer).notNull()
                    t.column("xxh64", .text).notNull()
                    t.column("metrics", .text).notNull()
                    t.column("created_at", .text).notNull()
                    t.column("pruned", .boolean).notNull().defaults(to: false)
                }
            }
            // Models have names (by default "DATASET/ALGORITHM"): a gateway follows one name and never
            // swaps to another's model. Rows from before get their default name.
            migrator.registerMigration("v2-names") { db in
                try db.execute(sql: "ALTER TABLE model ADD COLUMN name TEXT NOT NULL DEFAULT ''")
                try db.execute(sql: "UPDATE model SET name = dataset || '/' || algorithm WHERE name = ''")
            }
        }
    }

    /// The name a model gets unless told otherwise: its dataset and algorithm.
    public static func defaultName(_ metadata: ModelFile.Metadata) -> String { "\(metadata.dataset)/\(metadata.algorithm)" }

    /// Whether `name` can name models: 1 to 128 letters, digits and `-_./:`, not starting with
    /// a dot or a slash.
    public static func isValidName(_ name: String) -> Bool {
        guard (1 ... 128).contains(name.utf8.count), let first = name.first, first != ".", first != "/" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:".contains($0)) }
    }

    /// Adds a model as the next version under `name` (default: `defaultName`) and prunes that
    /// name's versions beyond `keep`.
    @discardableResult
    public func publish(_ model: ModelFile, name: String? = nil) throws -> ModelRecord {
        let name = name ?? Self.defaultName(model.metadata)
        guard Self.isValidName(name) else {
            throw DataError(.usage, file: directory, "'\(name)' is not a model name (1-128 letters, digits and -_./:)")
        }
        let bytes = try model.encoded()
        return try register(model.metadata, name: name, version: nil, bytes: bytes.count, xxh64: XXHash64.hash(bytes).hex16,
                            createdAt: DatasetSummary.iso(Int64(time(nil)))) { try AtomicFile.write(bytes, to: $0) }
    }

    /// Installs a model file made by another store (a coordinator's) as version `version`, so this
    /// store names the model as its origin does. The file must read as a model; it is moved
    /// (renamed, so `path` must be on the store's file system) into the store inside the registry
    /// transaction, then versions beyond `keep` are pruned. Installing a version the store already
    /// holds with the same content does nothing; with other content it is an error. `name` is the
    /// name the origin gave it (default: `defaultName`).
    @discardableResult
    public func install(_ path: String, version: Int, createdAt: String, name: String? = nil) throws -> ModelRecord {
        guard version >= 1 else { throw DataError(.usage, file: path, "model versions start at 1, not \(version)") }
        let sum = XXHash64.hash(try FileSystem.readAll(path)).hex16
        let metadata = try ModelFile.read(path).metadata
        if let existing = try list(includePruned: true).first(where: { $0.version == version }) {
            guard existing.xxh64 == sum else {
                throw DataError(.damaged, file: directory, "already holds model version \(version) with other content (xxh64 \(existing.xxh64), offered \(sum))")
            }
            unlink(path)
            return existing
        }
        return try register(metadata, name: name ?? Self.defaultName(metadata), version: version, bytes: Int(FileSystem.size(path) ?? 0), xxh64: sum,
                            createdAt: createdAt) { try FileSystem.rename(path, $0) }
    }

    /// Adds the registry row of version `version` (nil: the next one) and has `place` put the
    /// file at its path, in one transaction, so a failed write leaves no row; then prunes.
    private func register(_ metadata: ModelFile.Metadata, name: String, version: Int?, bytes: Int, xxh64: String, createdAt: String,
                          place: (String) throws -> Void) throws -> ModelRecord {
        let metrics = String(decoding: try JSON.encode(metadata.metrics), as: UTF8.self)
        let directory = self.directory
        let record = try db.write { db -> ModelRecord in
            try db.execute(sql: """
                INSERT INTO model (version, name, algorithm, dataset, dataset_hash, file, bytes, xxh64, metrics, created_at)
                VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?)
                """, arguments: [version, name, metadata.algorithm, metadata.dataset, metadata.datasetContentHash,
                                 bytes, xxh64, metrics, createdAt])
            let version = Int(db.lastInsertedRowID)
            let file = "model-v\(Self.pad6(version)).cmmodel"
            try place(FileSystem.join(directory, file))
            try db.execute(sql: "UPDATE model SET file = ? WHERE version = ?", arguments: [file, version])
            return ModelRecord(version: version, name: name, algorithm: metadata.algorithm, dataset: metadata.dataset,
                               datasetContentHash: metadata.datasetContentHash, file: file, bytes: bytes,
                               xxh64: xxh64, metrics: metadata.metrics, createdAt: createdAt, pruned: false)
        }
        try prune(name)
        return record
    }

    /// Deletes the files of all but the newest `keep` versions of `name` and marks them pruned.
    private func prune(_ name: String) throws {
        let old = try db.read { db in
            try Row.fetchAll(db, sql: "SELECT version, file FROM model WHERE pruned = 0 AND name = ? ORDER BY version DESC LIMIT -1 OFFSET ?",
                             arguments: [name, keep])
        }
        for row in old {
            let version: Int = row["version"], file: String = row["file"]
            FileSystem.removeTree(FileSystem.join(directory, file))
            try db.write { db in try db.execute(sql: "UPDATE model SET pruned = 1 WHERE version = ?", arguments: [version]) }
        }
    }

    /// All versions, newest first (pruned ones only when asked).
    public func list(includePruned: Bool = false) throws -> [ModelRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model \(includePruned ? "" : "WHERE pruned = 0") ORDER BY version DESC")
        }.map(Self.record)
    }

    /// The newest kept version, of `name` when given, if any.
    public func latest(name: String? = nil) throws -> ModelRecord? {
        try list().first { name == nil || $0.name == name }
    }

    /// The names of the kept models, the newest model's first.
    public func names() throws -> [String] {
        var seen: Set<String> = []
        return try list().map(\.name).filter { seen.insert($0).inserted }
    }

    /// Loads a version (default: the newest), checked against the registry.
    public func load(version: Int? = nil) throws -> (ModelRecord, ModelFile) {
        let records = try list(includePruned: true)
        guard let record = version.map({ v in records.first { $0.version == v } }) ?? records.first(where: { !$0.pruned }) else {
            if let version {
                throw DataError(.usage, file: directory, "no model version \(version) (versions: \(records.map { String($0.version) }.joined(separator: ", ")))")
            }
            throw DataError(.usage, file: directory, "the model store is empty; train with --store \(directory)")
        }
        if record.pruned {
            let kept = records.filter { !$0.pruned }.map { String($0.version) }.joined(separator: ", ")
            throw DataError(.usage, file: directory, "model version \(record.version) was pruned (kept versions: \(kept))")
        }
        let path = FileSystem.join(directory, record.file)
        let bytes = try FileSystem.readAll(path)
        let sum = XXHash64.hash(bytes).hex16
        guard bytes.count == record.bytes, sum == record.xxh64 else {
            throw DataError(.damaged, file: path, "does not match the registry (size \(bytes.count), xxh64 \(sum); registry says \(record.bytes), \(record.xxh64))")
        }
        return (record, try ModelFile.read(path))
    }

    private static func record(_ row: Row) -> ModelRecord {
        let metricsText: String = row["metrics"]
        let metrics = (try? JSON.decode([String: Double].self, from: Array(metricsText.utf8), file: "registry")) ?? [:]
        return ModelRecord(version: row["version"], name: row["name"], algorithm: row["algorithm"], dataset: row["dataset"],
                           datasetContentHash: row["dataset_hash"], file: row["file"], bytes: row["bytes"], xxh64: row["xxh64"],
                           metrics: metrics, createdAt: row["created_at"], pruned: row["pruned"])
    }

    private static func pad6(_ x: Int) -> String {
        let s = String(x)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
