/// A job's life (docs/PROTOCOL.md, "Job states"):
/// queued -> running -> succeeded | failed | cancelled. A job queued or running when the coordinator
/// stops stays so, and a coordinator started again on the same state directory takes it up; it
/// becomes interrupted only when that coordinator cannot (its job type is unknown to the build,
/// its dataset cannot be opened).
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted

    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .cancelled, .interrupted: true
        }
    }
}
