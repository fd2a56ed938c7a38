/// `manifest.json` of a dataset directory: what the dataset holds and the size and XXH64 of every
/// file in it, so a reader (or a worker receiving shards) can verify each one. Deterministic: the
/// same input and options give the same manifest, byte for byte.
public struct DatasetManifest: Codable, Sendable, Equatable {
    public static let formatName = "cinemesh-dataset"
    public static let currentVersion = 1

    /// One input file the dataset was built from.
    public struct SourceFile: Codable, Sendable, Equatable {
        public var name: String
        public var role: String
        public var bytes: UInt64
        public var xxh64: String
    }

    /// One file of the dataset directory.
    public struct FileEntry: Codable, Sendable, Equatable {
        public var role: String
        public var file: String
        public var bytes: UInt64
        public var xxh64: String
    }

    /// One shard of the grid.
    public struct BlockEntry: Codable, Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var file: String
        public var ratings: Int
        public var bytes: UInt64
        public var xxh64: String
    }

    /// Timestamp range of the ratings (seconds since the Unix epoch).
    public struct TimeRange: Codable, Sendable, Equatable {
        public var min: Int64
        public var max: Int64
    }

    /// What ingestion dropped or merged.
    public struct IngestSummary: Codable, Sendable, Equatable {
        /// Skipped rows by reason (only with `--on-bad-row skip`).
        public var skipped: [String: Int]
        /// Duplicate policy used and how many extra rows it merged away.
        public var duplicatePolicy: String
        public var duplicatesResolved: Int
    }

    /// What one `cinemesh ingest --append` added: the version it made and its input files.
    public struct AppendRecord: Codable, Sendable, Equatable {
        /// The dataset version this append made (2 for the first append).
        public var version: Int
        public var sources: [SourceFile]
        /// Ratings, users and items the version has beyond the one before.
        public var ratings: Int
        public var users: Int
        public var items: Int
        /// Shard files written for this version; every other block's file is the earlier version's.
        public var blocksWritten: Int
        public var duplicatePolicy: String
        /// Rows merged away: duplicates within the new files and ratings of (user, item) pairs
        /// the dataset already held.
        public var duplicatesResolved: Int
        /// Skipped rows by reason (only with `--on-bad-row skip`).
        public var skipped: [String: Int]
    }

    public var format: String
    public var formatVersion: Int
    /// The dataset version: absent (1) for a fresh ingest, one more with each append.
    public var version: Int?
    /// One record per append, oldest first (absent before the first).
    public var appends: [AppendRecord]?
    public var name: String
    /// Detected or requested source format (e.g. `ml-100k`).
    public var sourceFormat: String
    public var sources: [SourceFile]
    public var users: Int
    public var items: Int
    public var ratings: Int
    public var ratingScale: RatingScale
    public var timestamps: TimeRange?
    public var grid: Grid
    public var blocks: [BlockEntry]
    public var files: [FileEntry]
    public var ingest: IngestSummary
    /// XXH64 over every file checksum in manifest order: one id for the dataset's content.
    public var contentHash: String

    /// The dataset version (1 when the manifest does not say).
    public var datasetVersion: Int { version ?? 1 }

    /// Where the manifest of dataset version `version` is kept, relative to the dataset directory
    /// (`manifest.json` is a copy of the newest).
    public static func versionPath(_ version: Int) -> String {
        let s = String(version)
        return "versions/manifest-" + String(repeating: "0", count: max(0, 4 - s.count)) + s + ".json"
    }

    /// Every input file of every version: the first ingest's, then each append's.
    public var allSources: [SourceFile] { sources + (appends ?? []).flatMap(\.sources) }

    /// The checksum entry for a role (`users-idmap`, `items-idmap`, `catalog`, `user-attributes`, `tags`).
    public func file(role: String) -> FileEntry? { files.first { $0.role == role } }

    /// The block entry at (row, column).
    public func block(row: Int, column: Int) -> BlockEntry? {
        guard row >= 0, row < grid.rows, column >= 0, column < grid.columns else { return nil }
        let b = blocks[row * grid.columns + column]
        return b.row == row && b.column == column ? b : blocks.first { $0.row == row && $0.column == column }
    }

    /// Computes `contentHash` from the file and block checksums.
    public static func contentHash(files: [FileEntry], blocks: [BlockEntry]) -> String {
        var h = XXHash64()
        for f in files { h.update(Array("\(f.role)=\(f.xxh64);".utf8)) }
        for b in blocks { h.update(Array("\(b.row),\(b.column)=\(b.xxh64);".utf8)) }
        return h.finalize().hex16
    }
}
