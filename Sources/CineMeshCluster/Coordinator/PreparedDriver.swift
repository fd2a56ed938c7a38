import CineMeshData

/// A driver made (or not) on the coordinator's `prepareQueue` for a job to start, with what the
/// loop keeps and records about how it was made.
struct PreparedDriver: Sendable {
    var driver: UnsafeSendable<Result<any JobDriver, Error>>
    /// Whose the job's checkpoints are.
    var owner: CheckpointFile.Owner
    /// For a job resumed after a coordinator restart: the checkpoint it goes on from (nil: it
    /// starts from the beginning), and the event that says so.
    var resumedFrom: (step: Int, progress: String)?
    var event: String?

    var id: Int64 { owner.job }
}
