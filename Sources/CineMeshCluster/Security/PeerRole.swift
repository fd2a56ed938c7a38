/// Who holds a CURVE key, and so what the coordinator lets it do (docs/SECURITY.md).
public enum PeerRole: String, CaseIterable, Sendable, Codable {
    /// The coordinator's own key: its public half is the server key every peer checks.
    case coordinator
    /// May connect to the workers endpoint: register, fetch shards, run tasks.
    case worker
    /// May connect to the clients endpoint and do anything there: submit, cancel, list.
    case client
    /// May connect to the clients endpoint to follow and fetch models, read jobs and submit queries.
    case gateway

    /// The peer roles an allow-list can hold.
    public static let peers: [PeerRole] = [.worker, .client, .gateway]
}
