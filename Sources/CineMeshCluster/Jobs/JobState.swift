/// A job's life (docs/PROTOCOL.md, "Job states"):
/// queued -> running -> succeeded | failed | cancelled; queued or running -> interrupted when the
/// coordinator stopped before the job ended.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted

    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .cancelled, .interrupted: true
        }
    }
}
