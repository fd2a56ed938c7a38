import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation
import Testing

@Suite struct TrainingBlocksTests {
    /// Under last:K a block's training part depends on the rest of its grid row: a shard shared by
    /// two datasets whose other shards differ must be split afresh for each, not served from the
    /// cache. Timestamps are dropped from cached parts (the sweep does not read them).
    @Test func aLeaveLastSplitDependsOnTheWholeGridRow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cinemesh-blocks-\(UInt32.random(in: 0 ... .max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // User 0 rates item 0 at time 5 in block (0, 0), and item 2 in block (0, 1): at time 9 in
        // one dataset (item 0 stays in training) and at time 1 in the other (item 0 is the latest,
        // so it is held out).
        let shared = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2,
                                 users: [0, 1, 1], items: [0, 0, 1], ratings: [4, 3, 5], timestamps: [5, 2, 3])
        func other(_ time: Int64) -> RatingBlock {
            RatingBlock(row: 0, column: 1, userRange: 0 ..< 2, itemRange: 2 ..< 4, users: [0, 1], items: [2, 3], ratings: [2, 1], timestamps: [time, 1])
        }
        let first = dir + "/shared", later = dir + "/later", earlier = dir + "/earlier"
        _ = try ShardFile.write(shared, scale: .oneToFive, to: first)
        _ = try ShardFile.write(other(9), scale: .oneToFive, to: later)
        _ = try ShardFile.write(other(1), scale: .oneToFive, to: earlier)
        let cache = TrainingBlocks(capacity: 1 << 20)
        let split = SplitSpec.leaveLast(count: 1)
        let a = try cache.blocks([first, later], own: 1, split: split, seed: 0)[0]
        let b = try cache.blocks([first, earlier], own: 1, split: split, seed: 0)[0]
        #expect(a.users == [0, 1] && a.items == [0, 0])
        #expect(b.users == [1] && b.items == [0])
        #expect(a.timestamps.isEmpty && b.timestamps.isEmpty)
        // The same as splitting the whole row in one process.
        let whole = try RatingSplit.leaveLast([shared, other(1)], count: 1, users: 2).train[0]
        #expect(b.users == whole.users && b.items == whole.items && b.ratings == whole.ratings)
    }
}
