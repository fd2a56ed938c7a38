/// The parameters of an `svd-block` task (docs/PROTOCOL.md section 8): one SGD sweep over block
/// (`row`, `column`) with the epoch's steps, the rows coming from the payload or from the
/// worker's memory, and what the worker keeps, returns and snapshots afterwards.
struct SVDBlockTask: TaskSpec {
    static let kind = "svd-block"

    /// Where a side's rows come from.
    enum Origin: String, Codable, Sendable {
        case payload, resident
    }

    var row: Int
    var column: Int
    var stride: Int
    var split: TaskSplit
    var mean: Float
    var lrBias: Float
    var lrFactors: Float
    var regBias: Float
    var regFactors: Float
    var biased: Bool
    /// The block's place in the run's sequential sweep (its priority).
    var sequence: Int
    var users: Origin
    /// With `users=resident`: the `sequence` of the block that must have left the rows.
    var usersAfter: Int?
    var items: Origin
    /// With `items=resident`: the `sequence` of the block that must have left the rows.
    var itemsAfter: Int?
    var keepItems: Bool
    var returnItems: Bool
    /// Epoch whose user rows the worker keeps a copy of after the sweep.
    var snapshot: Int?
    /// Epoch whose item rows the worker keeps a copy of after the sweep.
    var itemsSnapshot: Int?
    /// With a snapshot: the other epochs whose snapshots are still wanted.
    var keepSnapshots: TaskList<Int>?

    enum CodingKeys: String, CodingKey {
        case row, column, stride, split, mean, lrBias = "lr_bias", lrFactors = "lr_factors", regBias = "reg_bias", regFactors = "reg_factors"
        case biased, sequence, users, usersAfter = "users_after", items, itemsAfter = "items_after", keepItems = "keep_items"
        case returnItems = "return_items", snapshot, itemsSnapshot = "items_snapshot", keepSnapshots = "keep_snapshots"
    }
}

/// What an `svd-block` task returns besides its frames: the block's loss and its times.
struct SVDBlockResult: TaskResultSpec {
    var loss: Double
    /// Wall and CPU time of the SGD kernel, and of the whole task, in microseconds.
    var kernelMicroseconds: Int
    var kernelCPUMicroseconds: Int
    var taskMicroseconds: Int

    enum CodingKeys: String, CodingKey {
        case loss, kernelMicroseconds = "kernel_us", kernelCPUMicroseconds = "kernel_cpu_us", taskMicroseconds = "task_us"
    }
}
