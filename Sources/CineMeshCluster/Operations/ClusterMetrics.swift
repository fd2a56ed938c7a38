import Metrics

/// The metrics a coordinator and its workers export (Prometheus names; docs/PROTOCOL.md lists
/// them with their meaning).
public struct ClusterMetrics: Sendable {
    public let tasksRun = Counter(label: "cinemesh_tasks_run_total")
    public let tasksFailed = Counter(label: "cinemesh_tasks_failed_total")
    public let tasksRetried = Counter(label: "cinemesh_tasks_retried_total")
    public let bytesShipped = Counter(label: "cinemesh_bytes_shipped_total")
    public let heartbeatsMissed = Counter(label: "cinemesh_heartbeats_missed_total")
    public let workersLost = Counter(label: "cinemesh_workers_lost_total")
    public let protocolErrors = Counter(label: "cinemesh_protocol_errors_total")
    /// Connections that failed the handshake (plain TCP against CURVE, garbage); keys the ZAP
    /// handler refused count as `cinemesh_peers_refused_total{reason="key"}`.
    public let handshakesFailed = Counter(label: "cinemesh_peers_refused_total", dimensions: [("reason", "handshake")])
    public let jobsFinished = Counter(label: "cinemesh_jobs_finished_total")
    public let queueDepth = Gauge(label: "cinemesh_queue_depth")
    public let workersAlive = Gauge(label: "cinemesh_workers_alive")
    public let jobsRunning = Gauge(label: "cinemesh_jobs_running")
    public let modelSubscribers = Gauge(label: "cinemesh_model_subscribers")

    public init() {}
}
