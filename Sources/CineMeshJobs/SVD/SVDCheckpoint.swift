import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// Where a distributed svd run can start again: the model after `epochs` epochs, with everything
/// the run had reported and decided by then. The driver starts a run from it after losing a
/// worker's rows, and a restarted coordinator resumes the job from its durable copy.
struct SVDCheckpoint: Sendable {
    var epochs: Int
    var model: FramedModel
    var reports: [EpochReport]
    var costs: [TrainingResult.EpochCost]
    var stopper: EarlyStopping
    /// With early stopping: the best epoch so far and its model.
    var best: (epoch: Int, model: FramedModel)?

    init(epochs: Int, model: FramedModel, reports: [EpochReport], costs: [TrainingResult.EpochCost], stopper: EarlyStopping,
         best: (epoch: Int, model: FramedModel)? = nil) {
        self.epochs = epochs
        self.model = model
        self.reports = reports
        self.costs = costs
        self.stopper = stopper
        self.best = best
    }

    /// The checkpoint as a job checkpoint's state (docs/FORMATS.md, "Checkpoint files": svd): u32
    /// epochs, the reports, the costs as JSON text, early stopping, the model, then u8 0 (no best
    /// epoch), 1 (the best epoch is the last, its model the one before) or 2 with i64 epoch and
    /// the best epoch's model. Assembling the models copies them: this runs off the loop.
    func encoded() throws -> [UInt8] {
        var w = BinaryWriter()
        w.put(UInt32(epochs))
        w.put(reports: reports)
        w.put(string: String(decoding: try JSON.encode(costs), as: UTF8.self))
        w.put(stopper: stopper)
        w.put(model: try model.assembled())
        switch best {
        case nil:
            w.put(UInt8(0))
        case let best? where best.epoch == epochs - 1:
            w.put(UInt8(1))
        case let best?:
            w.put(UInt8(2))
            w.put(Int64(best.epoch))
            w.put(model: try best.model.assembled())
        }
        return w.bytes
    }

    /// Reads `encoded()`'s bytes for the job whose starting checkpoint is `initial` (its models
    /// must have the starting model's shape) and which trains `total` epochs with early stopping's
    /// `patience`.
    init(decoding state: [UInt8], initial: SVDCheckpoint, total: Int) throws {
        var r = BinaryReader(state, file: "svd checkpoint")
        epochs = Int(try r.get(UInt32.self, "epochs"))
        reports = try r.getReports()
        costs = try JSON.decode([TrainingResult.EpochCost].self, from: Array(try r.getString("costs").utf8), file: "svd checkpoint")
        stopper = try r.getStopper(patience: initial.stopper.patience)
        let grid = initial.model.grid
        model = FramedModel(try r.getModel(shapedLike: initial.model.base), grid: grid)
        switch try r.get(UInt8.self, "best epoch flag") {
        case 0: best = nil
        case 1: best = (epochs - 1, model)
        case 2: best = (Int(try r.get(Int64.self, "best epoch")), FramedModel(try r.getModel(shapedLike: initial.model.base), grid: grid))
        case let flag: throw JobError("svd checkpoint: best epoch flag \(flag) is not 0, 1 or 2")
        }
        try r.expectEnd("svd checkpoint")
        guard (1 ... total).contains(epochs), reports.count == epochs, costs.count == epochs, best.map({ (0 ..< epochs).contains($0.epoch) }) ?? true else {
            throw JobError("svd checkpoint: \(epochs) epochs of \(total), with \(reports.count) reports and \(costs.count) costs, best epoch "
                           + "\(best.map { String($0.epoch) } ?? "none"): not a checkpoint of this job")
        }
    }
}
