import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import Foundation

extension StatsJob {
    /// `stats-block`: the statistics of one shard file.
    static let runner: TaskRunners.Runner = { input in
        guard let path = input.files.first else { throw TaskError("stats-block: no shard file") }
        guard let row = input.parameters["row"].flatMap(Int.init), let column = input.parameters["column"].flatMap(Int.init),
              let scale = input.parameters["scale"].flatMap(RatingScale.init(parsing:)) else {
            throw TaskError("stats-block: parameters row, column and scale are required")
        }
        if let delay = input.parameters["delay_ms"].flatMap(Int.init), delay > 0 {
            usleep(useconds_t(delay) * 1000)
        }
        let block = try ShardFile.read(path, includeTimestamps: false)
        guard block.row == row, block.column == column else {
            throw TaskError("stats-block: the shard holds block (\(block.row), \(block.column)), not (\(row), \(column))")
        }
        let stats = BlockStats(block: block, bins: RatingBins(scale: scale))
        return TaskOutput(output: ["stats": String(decoding: try JSON.encode(stats), as: UTF8.self)])
    }
}
