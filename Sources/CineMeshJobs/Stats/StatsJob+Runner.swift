import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

extension StatsJob {
    /// `stats-block`: the statistics of one shard file.
    static let runner: TaskRunners.Runner = { input in
        guard let path = input.files.first else { throw TaskError("stats-block: no shard file") }
        let task = try StatsBlockTask(input)
        let row = task.row, column = task.column
        if task.delayMilliseconds > 0 { usleep(useconds_t(task.delayMilliseconds) * 1000) }
        let block = try ShardFile.read(path, includeTimestamps: false)
        guard block.row == row, block.column == column else {
            throw TaskError("stats-block: the shard holds block (\(block.row), \(block.column)), not (\(row), \(column))")
        }
        let stats = BlockStats(block: block, bins: RatingBins(scale: task.scale.scale))
        return TaskOutput(output: ["stats": String(decoding: try JSON.encode(stats), as: UTF8.self)])
    }
}
