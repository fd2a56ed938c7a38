import CineMeshData

/// A job the coordinator is running: its registry record (kept current in memory) and driver.
final class ActiveJob {
    var record: JobRecord
    let driver: any JobDriver
    /// Whose its checkpoints are (the job, its spec and its dataset's content).
    let owner: CheckpointFile.Owner
    /// The step of the newest checkpoint handed to `JobCheckpoints` (or resumed from): only a newer
    /// one is written.
    var checkpointStep: Int
    /// Tasks of the current stage handed to the scheduler so far (a dataflow stage adds tasks as
    /// it goes, up to `record.tasksTotal`).
    var tasksQueued = 0
    /// Every stage is merged and `finish` runs off the loop: a lost worker can take nothing away.
    var finishing = false

    init(record: JobRecord, driver: any JobDriver, owner: CheckpointFile.Owner, checkpointStep: Int) {
        self.record = record
        self.driver = driver
        self.owner = owner
        self.checkpointStep = checkpointStep
    }
}
