/// The files of a drop directory appended to a dataset, each as a version of its own, in name
/// order (`cinemesh retrain`). A file is moved (renamed, so atomically) to `done/` once appended
/// and to `failed/`, with its error in `NAME.error`, when it cannot be; so no file is appended
/// twice. A file whose checksum and size the dataset already records (an earlier run appended it
/// and stopped before moving it) goes to `done/` without a second append. Names starting with a
/// dot are left alone: writers put files in place under a dot name and rename them when complete.
public struct DropIntake {
    public let drop: String
    public let dataset: String
    /// How the files are read (the scale is always the dataset's).
    public var options: IngestOptions

    public init(drop: String, dataset: String, options: IngestOptions) {
        self.drop = drop
        self.dataset = dataset
        self.options = options
    }

    /// What a run did.
    public struct Outcome: Sendable {
        /// Each file in the dataset, as `NAME (version N)`.
        public var appended: [String] = []
        /// Each file that failed, with its error.
        public var failed: [(name: String, error: String)] = []

        /// One line naming the failed files and the first error.
        public var failureMessage: String {
            "\(failed.count) file(s) could not be appended and were moved to failed/: \(failed.map(\.name).joined(separator: ", "))"
                + (failed.first.map { "; first error: \($0.error)" } ?? "")
        }
    }

    /// Appends and moves every waiting file.
    public func run() throws -> Outcome {
        guard FileSystem.isDirectory(drop) else { throw DataError(.usage, file: drop, "no such drop directory") }
        let done = FileSystem.join(drop, "done"), failed = FileSystem.join(drop, "failed")
        try FileSystem.makeDirectories(done)
        try FileSystem.makeDirectories(failed)
        var out = Outcome()
        for name in try FileSystem.list(drop).sorted() where !name.hasPrefix(".") {
            let path = FileSystem.join(drop, name)
            guard !FileSystem.isDirectory(path) else { continue }
            let version: String
            do {
                version = try append(path)
            } catch {
                out.failed.append((name, "\(error)"))
                try AtomicFile.write(Array("\(error)\n".utf8), to: FileSystem.join(failed, name + ".error"))
                try move(path, into: failed)
                continue
            }
            try move(path, into: done)
            out.appended.append("\(name) (\(version))")
        }
        return out
    }

    /// Appends one file unless the dataset already records it; says which version holds it.
    private func append(_ path: String) throws -> String {
        let bytes = try FileSystem.readAll(path)
        let sum = XXHash64.hash(bytes).hex16
        let manifestPath = FileSystem.join(dataset, Dataset.manifestName)
        let manifest = try JSON.decode(DatasetManifest.self, from: try FileSystem.readAll(manifestPath), file: manifestPath)
        if manifest.allSources.contains(where: { $0.xxh64 == sum && $0.bytes == UInt64(bytes.count) }) {
            return "already in the dataset"
        }
        return "version \(try Ingestor(options: options).append(inputs: [path], to: dataset).manifest.datasetVersion)"
    }

    /// Renames `path` into `directory`, under its name or, when taken, NAME.1, NAME.2, ...
    private func move(_ path: String, into directory: String) throws {
        let name = FileSystem.basename(path)
        var target = FileSystem.join(directory, name)
        var n = 0
        while FileSystem.exists(target) {
            n += 1
            target = FileSystem.join(directory, "\(name).\(n)")
        }
        try FileSystem.rename(path, target)
    }
}
