import ArgumentParser
import CineMeshData

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate synthetic ratings with planted structure, deterministic from a seed.",
        discussion: """
        Power-law user activity and item popularity; ratings from a planted biased factor model plus noise, rounded and clipped to 1-5; a catalog with titles, genres, countries and years; weekday and hour patterns in the timestamps. The truth is saved as truth.bin for recovery tests.

        Examples:
          cinemesh generate --ratings 100000 --csv data/sample
          cinemesh generate --ratings 10000000 --dataset datasets/gen10m --grid 8x8
        """
    )

    @Option(help: "Number of ratings (exact). Accepts 1e6 style.")
    var ratings: String

    @Option(help: "Users (default ratings/100).")
    var users: Int?

    @Option(help: "Items (default ratings/500).")
    var items: Int?

    @Option(help: "Rank of the planted factor model.")
    var factors = 8

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "Std. dev. of the noise added to the planted score.")
    var noise = 0.5

    @Option(help: "Round ratings to this step (0: continuous).")
    var step = 1.0

    @Option(help: "Write MovieLens-style ratings.csv, movies.csv and truth.bin into this directory.")
    var csv: String?

    @Option(help: "Write a dataset directory (shards, id maps, catalog, truth) directly.")
    var dataset: String?

    @OptionGroup var output: DatasetOutputOptions

    func run() throws {
        try reportingErrors {
            guard csv != nil || dataset != nil else { throw DataError(.usage, "name an output: --csv DIR and/or --dataset DIR") }
            guard let count = Double(ratings), count >= 1, count == count.rounded() else {
                throw DataError(.usage, "--ratings '\(ratings)' is not a whole number")
            }
            let shape = try output.shape() ?? GridShape(rows: 4, columns: 4)
            var config = GeneratorConfig(ratings: Int(count), users: users, items: items)
            config.factors = factors
            config.seed = seed
            config.noise = noise
            config.step = step
            let started = monotonicSeconds()
            let data = try RatingGenerator(config: config).generate()
            let generated = monotonicSeconds()
            print("generated \(Terminal.grouped(config.ratings)) ratings (\(Terminal.grouped(config.users)) users x \(Terminal.grouped(config.items)) items) in \(Terminal.fixed(generated - started, 2)) s")
            if let csv {
                let t = monotonicSeconds()
                try data.writeCSV(to: csv, overwrite: output.force)
                print("wrote \(csv)/ratings.csv, movies.csv, truth.bin in \(Terminal.fixed(monotonicSeconds() - t, 2)) s")
            }
            if let dataset {
                let t = monotonicSeconds()
                let m = try data.writeDataset(to: dataset, grid: shape, overwrite: output.force)
                print("wrote dataset \(dataset) (\(Terminal.grouped(m.ratings)) ratings, \(m.grid.rows)x\(m.grid.columns) grid) in \(Terminal.fixed(monotonicSeconds() - t, 2)) s")
            }
        }
    }
}
