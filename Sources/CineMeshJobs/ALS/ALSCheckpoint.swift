import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// Where an ALS or implicit ALS job can go on from after a coordinator restart: the model after
/// `iterations` iterations, what they reported, and early stopping with its best model.
struct ALSCheckpoint: Sendable {
    var iterations: Int
    var model: BiasedFactorModel
    var reports: [EpochReport]
    var stopper: EarlyStopping
    /// Early stopping stopped the job at the checkpoint's iteration: it only finishes.
    var stoppedEarly: Bool

    init(iterations: Int, model: BiasedFactorModel, reports: [EpochReport], stopper: EarlyStopping, stoppedEarly: Bool) {
        self.iterations = iterations
        self.model = model
        self.reports = reports
        self.stopper = stopper
        self.stoppedEarly = stoppedEarly
    }

    /// The checkpoint as a job checkpoint's state (docs/FORMATS.md, "Checkpoint files": als): u32
    /// iterations, u8 stopped early, the reports, u8 1 and early stopping's best model (or u8 0),
    /// early stopping's figures, then the model.
    func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.put(UInt32(iterations))
        w.put(UInt8(stoppedEarly ? 1 : 0))
        w.put(reports: reports)
        w.put(UInt8(stopper.best == nil ? 0 : 1))
        if let best = stopper.best { w.put(model: best) }
        w.put(stopper: stopper)
        w.put(model: model)
        return w.bytes
    }

    /// Reads `encoded()`'s bytes for the job whose starting model is `initial` and which runs
    /// `total` iterations with early stopping's `patience`.
    init(decoding state: [UInt8], initial: BiasedFactorModel, patience: Int?, total: Int) throws {
        var r = BinaryReader(state, file: "als checkpoint")
        iterations = Int(try r.get(UInt32.self, "iterations"))
        stoppedEarly = try r.get(UInt8.self, "stopped early") == 1
        reports = try r.getReports()
        let best = try r.get(UInt8.self, "best model flag") == 1 ? try r.getModel(shapedLike: initial) : nil
        stopper = try r.getStopper(patience: patience, best: best)
        model = try r.getModel(shapedLike: initial)
        try r.expectEnd("als checkpoint")
        guard (1 ... total).contains(iterations), reports.count == iterations else {
            throw JobError("als checkpoint: \(iterations) iterations of \(total), with \(reports.count) reports: not a checkpoint of this job")
        }
    }
}
