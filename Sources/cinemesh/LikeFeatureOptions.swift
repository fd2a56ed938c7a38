import ArgumentParser
import CineMeshData
import CineMeshNumerics

/// What `features` and `classify` share: the dataset, its split and the like threshold, and the
/// features they give (docs/FEATURES.md).
struct LikeFeatureOptions: ParsableArguments {
    @Argument(help: "Dataset directory.")
    var dataset: String

    @Option(help: "Held-out ratings: none, random:FRACTION, last:K or kfold:K:I, as for train.")
    var split = "random:0.2"

    @Option(help: "Seed of the split (train's default).")
    var splitSeed: UInt64 = 42

    @Option(help: "A rating at or above this is a like.")
    var like: Float = 4

    /// The split as parsed.
    func splitSpec() throws -> SplitSpec { try SplitSpec(parsing: split) }

    /// The dataset, split, and the features of every rating of the split.
    func features() throws -> (data: Dataset, features: LikeFeatures) {
        let spec = try splitSpec()
        let data = try Dataset(path: dataset)
        let hasTime = data.manifest.timestamps != nil
        if spec.needsTimestamps && !hasTime { throw DataError(.usage, file: dataset, "has no timestamps for --split \(split)") }
        let (train, test) = try spec.apply(try data.allBlocks(includeTimestamps: hasTime), users: data.users.count, seed: splitSeed)
        let genres = LikeFeatures.genres(of: data)
        return (data, LikeFeatures(train: train, test: test, userCount: data.users.count, itemCount: data.items.count,
                                   genres: genres.perItem, genreCount: genres.names.count, hasTime: hasTime, likeThreshold: like))
    }
}
