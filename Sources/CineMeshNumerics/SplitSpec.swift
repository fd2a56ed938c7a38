import CineMeshData
import CineMeshModel

/// A train/test split as the command line and job specs write it: `random:FRACTION`,
/// `last:K`, `kfold:K:I`, or `none` (train on every rating, hold nothing out: the model to
/// publish once a split has chosen the parameters).
public enum SplitSpec: Sendable, Equatable, CustomStringConvertible {
    case none
    case random(testFraction: Double)
    case leaveLast(count: Int)
    case kFold(folds: Int, fold: Int)

    public init(parsing text: String) throws {
        let parts = text.split(separator: ":").map(String.init)
        switch (parts.first, parts.count) {
        case ("none", 1):
            self = .none
            return
        case ("random", 2):
            if let f = Double(parts[1]), f >= 0, f < 1 { self = .random(testFraction: f); return }
        case ("last", 2):
            if let k = Int(parts[1]), k >= 1 { self = .leaveLast(count: k); return }
        case ("kfold", 3):
            if let k = Int(parts[1]), let i = Int(parts[2]), k >= 2, i >= 0, i < k { self = .kFold(folds: k, fold: i); return }
        default:
            break
        }
        throw DataError(.usage, "split '\(text)' is not none, random:FRACTION (0 <= FRACTION < 1), last:K (K >= 1) or kfold:K:I (K >= 2, 0 <= I < K)")
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .random(let f): "random:\(f)"
        case .leaveLast(let k): "last:\(k)"
        case .kFold(let k, let i): "kfold:\(k):\(i)"
        }
    }

    /// Whether each rating's side depends on that rating alone (so a process holding one block can
    /// split it without seeing the others).
    public var isPerRating: Bool {
        if case .leaveLast = self { return false }
        return true
    }

    /// Whether the blocks must be loaded with timestamps.
    public var needsTimestamps: Bool { !isPerRating }

    public func apply(_ blocks: [RatingBlock], users: Int, seed: UInt64) throws -> (train: [RatingBlock], test: [RatingBlock]) {
        switch self {
        case .none: RatingSplit.partition(blocks) { _, _ in false }
        case .random(let f): RatingSplit.random(blocks, testFraction: f, seed: seed)
        case .leaveLast(let k): try RatingSplit.leaveLast(blocks, count: k, users: users)
        case .kFold(let k, let i): RatingSplit.kFold(blocks, folds: k, fold: i, seed: seed)
        }
    }
}
