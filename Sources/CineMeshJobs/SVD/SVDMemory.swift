import CineMeshCluster
import CineMeshData

/// Factor rows and their biases, as a task left them, with the sequence number of the svd block
/// that last swept them (nil: not swept here yet). They are kept as the raw Float32 frames they
/// come and go in, so rows that arrive in a task are swept where they landed and rows that leave
/// are sent from where they lie, without a copy either way.
struct FactorRows: Sendable {
    var factors: Frame
    var bias: Frame
    var swept: Int? = nil

    /// Rows that fit `count` rows of `stride` floats; nil when the frames are of other sizes.
    init?(factors: Frame, bias: Frame, count: Int, stride: Int) {
        guard factors.count == count * stride * MemoryLayout<Float>.size, bias.count == count * MemoryLayout<Float>.size else { return nil }
        self.factors = factors
        self.bias = bias
    }

    /// How many rows they hold.
    var count: Int { bias.count / MemoryLayout<Float>.size }

    /// `body` with pointers to the factors and biases, which it may change.
    mutating func withMutableFloats<R>(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R) -> R {
        factors.withUnsafeMutableBytes { f in
            bias.withUnsafeMutableBytes { b in
                f.withMemoryRebound(to: Float.self) { f in
                    b.withMemoryRebound(to: Float.self) { b in body(f.baseAddress ?? Self.nowhere, b.baseAddress ?? Self.nowhere) }
                }
            }
        }
    }

    /// `body` with pointers to the factors and biases.
    func withFloats<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
        factors.withUnsafeBytes { f in
            bias.withUnsafeBytes { b in
                f.withMemoryRebound(to: Float.self) { f in
                    b.withMemoryRebound(to: Float.self) { b in body(f.baseAddress ?? UnsafePointer(Self.nowhere), b.baseAddress ?? UnsafePointer(Self.nowhere)) }
                }
            }
        }
    }

    /// For an empty frame, which may have no address: a pointer to nothing, never read.
    private nonisolated(unsafe) static let nowhere = UnsafeMutablePointer<Float>.allocate(capacity: 16)
}

/// User rows of one grid row as an epoch left them (`first` is the first user they hold).
struct RowSnapshot: Sendable {
    var first: Int
    var rows: FactorRows
}

/// The held-out ratings of one grid row, ordered by user, with the span of their indices (checked
/// against the rows they are scored on).
struct HeldOutRatings: Sendable {
    var users: [Int32]
    var items: [Int32]
    var ratings: [Float]
    let userBounds: Range<Int>
    let itemBounds: Range<Int>

    init(users: [Int32], items: [Int32], ratings: [Float]) {
        self.users = users
        self.items = items
        self.ratings = ratings
        userBounds = Int(users.min() ?? 0) ..< Int(users.max() ?? -1) + 1
        itemBounds = Int(items.min() ?? 0) ..< Int(items.max() ?? -1) + 1
    }
}

/// The worker's memory for svd jobs.
enum SVDMemory {
    /// User rows by grid row: after sweeping block (i, j) the worker holds row i's newest rows, so
    /// the next task on row i (pinned to this session) needs only item rows.
    static let users = JobMemory<Int, FactorRows>()
    /// Item rows by grid column, kept when the column's next block runs here too.
    static let items = JobMemory<Int, FactorRows>()
    /// User rows by (grid row, epoch) at the epoch's end, for scoring and checkpoints.
    static let snapshots = JobMemory<SnapshotKey, RowSnapshot>()
    /// Item rows by (grid column, epoch) at the epoch's end, of the columns whose last block of the
    /// epoch ran here: scoring needs them, so the coordinator need not send them back.
    static let itemSnapshots = JobMemory<SnapshotKey, FactorRows>()
    /// Held-out ratings by grid row, sent once per job and session.
    static let heldOut = JobMemory<Int, HeldOutRatings>()

    /// Every store, for dropping what they keep.
    private static let stores: [any JobStore] = [users, items, snapshots, itemSnapshots, heldOut]

    /// Drops what every store keeps for `job`, which has ended.
    static func end(job: Int64) { stores.forEach { $0.end(job: job) } }

    /// Drops what every store keeps, for every job.
    static func removeAll() { stores.forEach { $0.removeAll() } }

    /// A grid row (user snapshots) or column (item snapshots), and an epoch.
    struct SnapshotKey: Hashable, Sendable {
        var index: Int
        var epoch: Int
    }
}
