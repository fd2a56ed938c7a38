import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation
import Testing

/// The worker's `svd-block` runner on a shard of its own, without sockets.
@Suite(.serialized) struct SVDBlockRunnerTests {
    /// Rows kept in the worker's memory are swept only by the block the coordinator says comes
    /// next: a block sent ahead of the one before it on its rows fails, retryably, and leaves the
    /// rows as they were; the same task succeeds once that block has run.
    @Test func residentRowsMustComeFromTheBlockBefore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cinemesh-svd-runner-\(UInt32.random(in: 0 ... .max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shard = dir + "/block"
        _ = try ShardFile.write(RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 0, 1], items: [0, 1, 1],
                                            ratings: [4, 2, 5], timestamps: []), scale: .oneToFive, to: shard)
        let job = Int64(UInt32.random(in: 1 ... .max)) << 20, stride = FactorMatrix.strideMultiple
        func task(_ sequence: Int, users: Int?, items: Int?, stride: Int = stride, snapshot: Int? = nil) -> TaskInput {
            let spec = SVDBlockTask(row: 0, column: 0, stride: stride, split: TaskSplit(split: .random(testFraction: 0.01), seed: 1), mean: 3.5,
                                    lrBias: 0.01, lrFactors: 0.01, regBias: 0.02, regFactors: 0.02, biased: true, sequence: sequence,
                                    users: users == nil ? .payload : .resident, usersAfter: users, items: items == nil ? .payload : .resident,
                                    itemsAfter: items, keepItems: true, returnItems: true, snapshot: snapshot, itemsSnapshot: nil, keepSnapshots: [])
            var payload: [Frame] = []
            if users == nil {
                payload += [FloatFrames.frame(Array(repeating: Float(0.1), count: 2 * stride)[...]), FloatFrames.frame([Float](repeating: 0, count: 2)[...])]
            }
            if items == nil {
                payload += [FloatFrames.frame(Array(repeating: Float(0.2), count: 2 * stride)[...]), FloatFrames.frame([Float](repeating: 0, count: 2)[...])]
            }
            return TaskInput(job: job, parameters: spec.fields, files: [shard], payload: payload)
        }
        var odd = task(2, users: nil, items: nil, stride: 4)
        #expect(throws: TaskError.self, "a stride the kernels cannot step through is refused, not swept out of bounds") {
            _ = try SVDTrainingJob.blockRunner(&odd)
        }
        do {
            var input = task(3, users: 1, items: nil)
            _ = try SVDTrainingJob.blockRunner(&input)
            Issue.record("a block ran on user rows this worker never held")
        } catch let error as TaskError {
            #expect(error.retryable, "the block that leaves them may still come: \(error)")
        }
        var firstInput = task(3, users: nil, items: nil)
        let arrived = firstInput.payload[2].withUnsafeBytes { $0.baseAddress }
        let first = try SVDTrainingJob.blockRunner(&firstInput)
        #expect(first.payload[0].withUnsafeBytes { $0.baseAddress } == arrived, "item rows are swept where they landed and sent from there")
        #expect(SVDMemory.users.peek(job: job, 0)?.swept == 3 && SVDMemory.items.peek(job: job, 0)?.swept == 3)
        do {
            var input = task(9, users: 5, items: 3)
            _ = try SVDTrainingJob.blockRunner(&input)
            Issue.record("a block sent ahead of block 5 ran")
        } catch let error as TaskError {
            #expect(error.retryable && error.message.contains("not block 5"), "\(error)")
        }
        #expect(SVDMemory.users.peek(job: job, 0)?.swept == 3 && SVDMemory.items.peek(job: job, 0)?.swept == 3, "the rows stay in memory as they were")
        var secondInput = task(5, users: 3, items: 3)
        let second = try SVDTrainingJob.blockRunner(&secondInput)
        #expect(second.payload[0] != first.payload[0], "block 5 swept the item rows block 3 left")
        #expect(SVDMemory.users.peek(job: job, 0)?.swept == 5)

        // Scoring reads the snapshot a block kept only as rows of the stride they were swept with.
        var last = task(7, users: 5, items: 5, snapshot: 0)
        _ = try SVDTrainingJob.blockRunner(&last)
        func score(stride: Int) -> TaskInput {
            let itemFrames = [FloatFrames.frame(Array(repeating: Float(0.2), count: 2 * stride)[...]), FloatFrames.frame([Float](repeating: 0, count: 2)[...])]
            let heldOut = [FloatFrames.frame([Int32(1)][...]), FloatFrames.frame([Int32(0)][...]), FloatFrames.frame([Float(3)][...])]
            let spec = SVDScoreTask(epoch: 0, rows: [0], heldOut: [0], stride: stride, columns: 1, mean: 3.5, scale: TaskScale(.oneToFive),
                                    residentColumns: [])
            return TaskInput(job: job, parameters: spec.fields, files: [], payload: itemFrames + heldOut)
        }
        var wide = score(stride: 2 * stride)
        #expect(throws: TaskError.self, "rows of stride \(stride) are not read as rows of twice that") { _ = try SVDTrainingJob.scoreRunner(&wide) }
        var fitting = score(stride: stride)
        #expect(try SVDTrainingJob.scoreRunner(&fitting).output["errors.0"] != nil)
    }
}
