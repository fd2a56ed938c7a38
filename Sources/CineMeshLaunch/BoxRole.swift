import CineMeshCluster

/// What a box of the cluster runs: one systemd unit per role (deploy/systemd/).
public enum BoxRole: String, Sendable, CaseIterable, Comparable {
    case coordinator
    case worker
    case gateway

    /// The unit that runs it.
    public var unit: String { "cinemesh-\(rawValue).service" }

    /// The CURVE key role it connects or binds with.
    public var keyRole: PeerRole {
        switch self {
        case .coordinator: .coordinator
        case .worker: .worker
        case .gateway: .gateway
        }
    }

    /// Start order: the coordinator first (the others connect to it), workers before gateways.
    public static func < (a: BoxRole, b: BoxRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
