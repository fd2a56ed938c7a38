/// A point a running job can go on from. The coordinator keeps the newest one of each running job
/// on disk (`<state dir>/checkpoints/<job>.ckpt`, docs/FORMATS.md "Checkpoint files"); after a
/// coordinator restart, the job type's `resume` makes the job's driver again from it, and the job
/// goes on to the result an uninterrupted run gives, bit for bit.
public struct JobCheckpoint: Sendable {
    /// Steps (epochs, iterations) the job had done: the coordinator writes a checkpoint when this
    /// grows past the one it wrote last.
    public var step: Int
    /// The step for people and the job's events, e.g. `epoch 3 of 10`.
    public var progress: String
    /// The driver's state as bytes, as `JobType.resume` reads them back. Called off the
    /// coordinator's loop (it may copy a whole model), so it must capture values, not the driver.
    public var encode: @Sendable () throws -> [UInt8]

    public init(step: Int, progress: String, encode: @escaping @Sendable () throws -> [UInt8]) {
        self.step = step
        self.progress = progress
        self.encode = encode
    }
}
