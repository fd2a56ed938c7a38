import CineMeshData
import CineMeshModel

/// The item-neighbour model files a gateway serves beside its factor models: content neighbours
/// (`cinemesh similar DATASET --save`) for `GET /v1/items/{item}/similar?by=content`, and an
/// item-knn model's lists (`cinemesh train --algo item-knn --save`) for `by=ratings`. Loaded once
/// at start and read-only after, so any number of requests read them at once.
public final class NeighborFiles: Sendable {
    /// One file and the catalog row of each item id.
    struct Loaded: Sendable {
        let file: ContentModelFile
        let rowOf: [String: Int]

        /// The answer's model name: `DATASET/ALGORITHM`, as a factor model's default name.
        var name: String { "\(file.metadata.dataset)/\(file.metadata.algorithm)" }
    }

    let byContent: Loaded?
    let byRatings: Loaded?

    /// The files `paths` (at most one of each kind), each refused with its path when damaged or
    /// when two are of one kind.
    public convenience init(paths: [String]) throws {
        var content: Loaded?, ratings: Loaded?
        for path in paths {
            let file = try ContentModelFile.read(path)
            let ids = file.catalog.strings("item") ?? []
            let loaded = Loaded(file: file, rowOf: Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
            switch file.metadata.algorithm {
            case "content":
                guard content == nil else { throw DataError(.usage, file: path, "a second content neighbour file: give one of each kind") }
                content = loaded
            case "item-knn":
                guard ratings == nil else { throw DataError(.usage, file: path, "a second item-knn neighbour file: give one of each kind") }
                ratings = loaded
            case let other:
                throw DataError(.usage, file: path, "neighbours of '\(other)': a gateway serves content and item-knn neighbours")
            }
        }
        self.init(content: content, ratings: ratings)
    }

    /// No files: `by=ratings` and `by=content` say the gateway serves none.
    public static let none = NeighborFiles(content: nil, ratings: nil)

    private init(content: Loaded?, ratings: Loaded?) {
        byContent = content
        byRatings = ratings
    }
}
