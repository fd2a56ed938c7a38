/// A running job's checkpoint as the coordinator keeps it (docs/FORMATS.md, "Checkpoint files"):
/// whose it is (the job, its type, its spec and its dataset's content), how far the job had come,
/// and the job's own state as bytes only the job type reads. Written atomically with an XXH64
/// trailer, like every binary file; a damaged or truncated file is refused whole.
public struct CheckpointFile: Sendable, Equatable {
    public static let magic = "CMCKPT"
    public static let version: UInt16 = 1
    static let header = BinaryFileHeader(magic: magic, version: version, kind: "checkpoint")

    /// Whose checkpoint it is. A file whose owner is not the job being resumed (a registry
    /// started afresh beside old checkpoints, a dataset ingested again under its name) is not
    /// resumed from.
    public struct Owner: Sendable, Equatable, CustomStringConvertible {
        public var job: Int64
        public var type: String
        /// The XXH64 of the job's spec, as its owner encodes it.
        public var specHash: UInt64
        /// The dataset's `contentHash` (manifest.json).
        public var datasetHash: String

        public init(job: Int64, type: String, specHash: UInt64, datasetHash: String) {
            self.job = job
            self.type = type
            self.specHash = specHash
            self.datasetHash = datasetHash
        }

        public var description: String { "job \(job) (\(type), spec \(specHash.hex16), dataset \(datasetHash))" }
    }

    public var owner: Owner
    /// Steps (epochs, iterations) the job had done.
    public var step: Int
    /// The step for people, e.g. `epoch 3 of 10`.
    public var progress: String
    /// The job's state, as its type wrote it.
    public var state: [UInt8]

    public init(owner: Owner, step: Int, progress: String, state: [UInt8]) {
        self.owner = owner
        self.step = step
        self.progress = progress
        self.state = state
    }

    /// Writes the file atomically (temporary file, fsync, rename, directory fsync), streaming the
    /// state rather than copying it into one buffer with the header.
    public func write(to path: String) throws {
        var w = BinaryWriter()
        w.put(header: Self.header)
        w.put(owner.job)
        w.put(string: owner.type)
        w.put(owner.specHash)
        w.put(string: owner.datasetHash)
        w.put(UInt64(step))
        w.put(string: progress)
        w.put(UInt64(state.count))
        let file = try AtomicFile(path: path)
        try file.write(w.bytes)
        try file.write(state)
        // The bytes are copied inside the closure: the pointer it gets does not outlive it (a
        // release build reused that stack slot, and wrote other bytes as the checksum).
        try file.write(withUnsafeBytes(of: file.checksum.littleEndian) { Array($0) })
        try file.commit()
    }

    /// Reads and verifies a checkpoint file: `.damaged` for a bad checksum, magic or layout,
    /// `.versionMismatch` for another format version (docs/FORMATS.md, "Conventions").
    public static func read(_ path: String) throws -> CheckpointFile {
        var r = try BinaryReader(verifying: try FileSystem.readAll(path), file: path, header: header, minimumSize: BinaryFileHeader.size + 44)
        let job = try r.get(Int64.self, "job id")
        let type = try r.getString("job type")
        let specHash = try r.get(UInt64.self, "spec hash")
        let datasetHash = try r.getString("dataset hash")
        let step = try r.get(UInt64.self, "step")
        let progress = try r.getString("progress")
        let length = try r.get(UInt64.self, "state length")
        guard step <= UInt64(Int.max), length == UInt64(r.remaining) else {
            throw DataError(.damaged, file: path, "the state's length (\(length) bytes) disagrees with the file's size")
        }
        return CheckpointFile(owner: Owner(job: job, type: type, specHash: specHash, datasetHash: datasetHash), step: Int(step),
                              progress: progress, state: Array(try r.getBytes(Int(length), "state")))
    }
}
