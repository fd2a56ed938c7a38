import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// A worker's in-memory cache of training blocks: a shard read once and split once per job, then
/// reused by every epoch's task on that block. Bounded: when the cached ratings pass `capacity`
/// bytes, the cache starts over.
final class TrainingBlocks: @unchecked Sendable {
    static let shared = TrainingBlocks(capacity: 8 << 30)

    private let lock = Lock()
    private var blocks: [String: RatingBlock] = [:]
    private var bytes = 0
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The training parts of the first `own` shards of `paths` under `split` and `seed`. A split
    /// decided per rating reads only those. One that is not (last:K) needs every shard of their
    /// grid rows, which the rest of `paths` must supply: each grid row is split as a whole, as the
    /// whole dataset would be (a user's ratings all lie in one grid row), and every block of it is
    /// kept for later tasks.
    func blocks(_ paths: [String], own: Int, split: SplitSpec, seed: UInt64) throws -> [RatingBlock] {
        guard own >= 1, own <= paths.count else { throw TaskError("\(own) own files of \(paths.count)") }
        // Under a split that is not per rating a block's training part depends on the other
        // shards of its row too, so they are part of its key (cache paths name shard contents).
        let context = split.isPerRating ? "" : "|" + paths.sorted().joined(separator: ",")
        func key(_ path: String) -> String { "\(path)|\(split)|\(seed)\(context)" }
        let mine = Array(paths.prefix(own))
        if let cached = lock.withLock({ () -> [RatingBlock]? in
            let found = mine.compactMap { blocks[key($0)] }
            return found.count == mine.count ? found : nil
        }) { return cached }
        var train: [String: RatingBlock] = [:]
        if split.isPerRating {
            for path in mine {
                let whole = try ShardFile.read(path, includeTimestamps: false)
                train[path] = try split.apply([whole], users: Int(whole.userRange.upperBound), seed: seed).train[0]
            }
        } else {
            let wholes = try paths.map { try ShardFile.read($0, includeTimestamps: true) }
            let rows = Set(mine.map { path in wholes[paths.firstIndex(of: path)!].row })
            for row in rows {
                let line = paths.indices.filter { wholes[$0].row == row }.sorted { wholes[$0].column < wholes[$1].column }
                let users = line.map { Int(wholes[$0].userRange.upperBound) }.max() ?? 0
                let parts = try split.apply(line.map { wholes[$0] }, users: users, seed: seed).train
                for (n, at) in line.enumerated() {
                    var part = parts[n]
                    part.timestamps = []   // only the split needed them
                    train[paths[at]] = part
                }
            }
        }
        lock.withLock {
            for (path, block) in train {
                let size = block.count * 12
                if bytes + size > capacity {
                    blocks.removeAll()
                    bytes = 0
                }
                blocks[key(path)] = block
                bytes += size
            }
        }
        return mine.map { train[$0]! }
    }
}
