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

    public var format: String
    public var formatVersion: Int
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
