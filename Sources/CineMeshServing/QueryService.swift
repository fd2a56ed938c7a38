/// What answers `POST /v1/query`: the cluster the gateway follows (the executable wires a
/// client of the coordinator in). Serving knows nothing of the query engine: it passes the text
/// on and hands back the result's JSON.
public protocol QueryService: Sendable {
    /// Runs `sql` over `dataset` and returns the result as JSON (`{"columns", "types", "rows"}`)
    /// and the job that ran it. Throws `GatewayError`: 400 `bad-query` with the position for a
    /// query that does not parse or bind, 413 `too-many-rows`, 504 `query-timeout` (the job is
    /// cancelled), 503 `cluster-unavailable`.
    func run(sql: String, dataset: String, maxRows: Int, timeoutMilliseconds: Int) async throws -> QueryAnswer
}

/// A query's answer as the service returns it.
public struct QueryAnswer: Sendable {
    public var job: Int64
    public var resultJSON: String
    public var elapsedMilliseconds: Int

    public init(job: Int64, resultJSON: String, elapsedMilliseconds: Int) {
        self.job = job
        self.resultJSON = resultJSON
        self.elapsedMilliseconds = elapsedMilliseconds
    }
}

/// Limits of `POST /v1/query`.
public struct QueryLimits: Sendable {
    /// The dataset when a request names none (nil: requests must name one).
    public var defaultDataset: String?
    public var defaultMaxRows = 1000
    public var maximumRows = 100_000
    public var defaultTimeoutMilliseconds = 30000
    public var maximumTimeoutMilliseconds = 300_000

    public init(defaultDataset: String?) { self.defaultDataset = defaultDataset }
}
