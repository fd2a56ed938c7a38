import CineMeshCluster
import CineMeshModel
import CineMeshNumerics

/// What the coordinator knows of one epoch of a distributed svd run while it is in flight: its
/// blocks' losses and costs, who holds its final rows, its held-out errors as they come in, and
/// the user rows collected for its checkpoint.
struct SVDEpochLedger {
    /// Per block of the epoch, in the schedule's order: the sum of squared errors of its sweep.
    var losses: [Double]
    var blocksDone = 0
    /// Summed over the epoch's tasks: the SGD kernels' wall and CPU time, the scoring tasks' time,
    /// and the time of every task from start to end.
    var kernelSeconds = 0.0
    var kernelCPUSeconds = 0.0
    var scoringSeconds = 0.0
    var taskSeconds = 0.0
    /// Time spent in the driver on the coordinator for the epoch's tasks.
    var driverSeconds = 0.0
    /// Factor bytes carried to and from workers for the epoch.
    var movedBytes = 0
    var sessions = Set<String>()
    /// Seconds from the end of the epoch before (or the run's start) to the epoch's last block
    /// merged: epochs end in order, though the next one starts before.
    var seconds = 0.0
    /// Per grid column: the item rows and biases as the column's last block of the epoch left them.
    var items: [(factors: Frame, biases: Frame)?]
    /// Per grid row: the worker session that kept a snapshot of the row's user rows at the end of
    /// the epoch; per grid column, of the column's item rows.
    var snapshots: [String?]
    var itemSnapshots: [String?]
    var trainRMSE: Double?
    /// Held-out errors merged so far, and the scoring tasks still out (nil: none released yet).
    var errors = ErrorSum()
    var scoresOut: Int?
    var evaluationSeconds = 0.0
    /// The epoch's report is made: its blocks and its scoring are all in.
    var closed = false
    /// Early stopping's state after this epoch's verdict, and the best epoch then (for a
    /// checkpoint of this epoch).
    var stopper: EarlyStopping?
    var bestEpoch: Int?
    /// Per grid row: user rows collected from the workers' snapshots (nil: no collect asked),
    /// and the collect tasks still out.
    var collected: [FramedModel.Rows?]?
    var collectsOut = 0

    init(blocks: Int, rows: Int, columns: Int) {
        losses = Array(repeating: 0, count: blocks)
        items = Array(repeating: nil, count: columns)
        snapshots = Array(repeating: nil, count: rows)
        itemSnapshots = Array(repeating: nil, count: columns)
    }

    var isDone: Bool { blocksDone == losses.count }

    /// Whether the coordinator still needs the workers' snapshots of this epoch.
    var needsSnapshots: Bool { !closed || collectsOut > 0 }
}
