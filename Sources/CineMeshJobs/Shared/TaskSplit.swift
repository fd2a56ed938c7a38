import CineMeshData
import CineMeshNumerics

/// The fields every training task shares: the job's held-out split (`split`, as `--split`
/// writes it, and `split_seed`) and, for a split not decided per rating, how many of the task's
/// files are its own (`own_files`; the rest are the companions `TrainSpec.taskInputs` adds). A
/// task type holds one and its fields sit beside the task's own.
struct TaskSplit: Codable, Equatable, Sendable {
    var split: SplitSpec
    var seed: UInt64
    /// Files of the task that are its own; nil: all of them.
    var ownFiles: Int?

    init(split: SplitSpec, seed: UInt64, ownFiles: Int? = nil) {
        self.split = split
        self.seed = seed
        self.ownFiles = ownFiles
    }

    enum CodingKeys: String, CodingKey {
        case split, seed = "split_seed", ownFiles = "own_files"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .split)
        do { split = try SplitSpec(parsing: text) } catch { throw TaskFieldError.malformed("split", text, expected: "a split (\(error))") }
        seed = try c.decode(UInt64.self, forKey: .seed)
        ownFiles = try c.decodeIfPresent(Int.self, forKey: .ownFiles)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(split.description, forKey: .split)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(ownFiles, forKey: .ownFiles)
    }

    /// The training parts of a task's shards `files` (`TrainingBlocks`).
    func blocks(_ files: [String]) throws -> [RatingBlock] {
        try TrainingBlocks.shared.blocks(files, own: ownFiles ?? files.count, split: split, seed: seed)
    }
}
