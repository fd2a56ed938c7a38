/// One model version in the store's registry.
public struct ModelRecord: Codable, Sendable, Equatable {
    public var version: Int
    /// The recommender this is a version of (default `DATASET/ALGORITHM`): a gateway follows one.
    public var name: String
    public var algorithm: String
    public var dataset: String
    public var datasetContentHash: String
    /// File name inside the store directory.
    public var file: String
    public var bytes: Int
    public var xxh64: String
    /// Held-out metrics recorded at training time.
    public var metrics: [String: Double]
    /// ISO 8601 UTC.
    public var createdAt: String
    /// True once the version fell out of the kept window and its file was deleted.
    public var pruned: Bool
}
