import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// How the training jobs write the parts of their checkpoints they share (docs/FORMATS.md,
/// "Checkpoint files"): a model as its raw floats, per-epoch reports and early stopping's figures
/// as exact bit patterns, so a resumed run goes on from the very bits it stopped at.
extension BinaryWriter {
    /// f32 global mean, u32 factors, u32 stride, u64 users, u64 items, the user and item biases
    /// (f32 each), then the user and item factor rows, `stride` f32 each (padding included).
    mutating func put(model m: BiasedFactorModel) {
        put(m.globalMean)
        put(UInt32(m.users.factors))
        put(UInt32(m.users.stride))
        put(UInt64(m.users.rows))
        put(UInt64(m.items.rows))
        put(contentsOf: m.userBias)
        put(contentsOf: m.itemBias)
        put(contentsOf: m.users.values)
        put(contentsOf: m.items.values)
    }

    /// u32 count, then per report: i64 epoch, f64 training RMSE, u8 1 and f64 held-out RMSE (or
    /// u8 0 and f64 0), f64 seconds, f64 evaluation seconds.
    mutating func put(reports: [EpochReport]) {
        put(UInt32(reports.count))
        for r in reports {
            put(Int64(r.epoch))
            put(r.trainRMSE)
            put(UInt8(r.testRMSE == nil ? 0 : 1))
            put(r.testRMSE ?? 0)
            put(r.seconds)
            put(r.evaluationSeconds)
        }
    }

    /// f64 best held-out RMSE so far, u32 epochs since it (`EarlyStopping.progress`).
    mutating func put(stopper: EarlyStopping) {
        put(stopper.progress.bestRMSE)
        put(UInt32(stopper.progress.sinceBest))
    }
}

extension BinaryReader {
    /// A model `put(model:)` wrote, which must have the shape and global mean of `initial` (the
    /// job's starting model): else the checkpoint is of another dataset or other parameters.
    mutating func getModel(shapedLike initial: BiasedFactorModel) throws -> BiasedFactorModel {
        let mean = try getFloat("global mean")
        let factors = Int(try get(UInt32.self, "factors")), stride = Int(try get(UInt32.self, "stride"))
        let users = try get(UInt64.self, "users"), items = try get(UInt64.self, "items")
        guard mean.bitPattern == initial.globalMean.bitPattern, factors == initial.users.factors, stride == initial.users.stride,
              users == UInt64(initial.users.rows), items == UInt64(initial.items.rows) else {
            throw JobError("the checkpoint's model (\(users) users, \(items) items, \(factors) factors, mean \(mean)) is not of this job "
                           + "(\(initial.users.rows) users, \(initial.items.rows) items, \(initial.users.factors) factors, mean \(initial.globalMean))")
        }
        var m = initial
        m.userBias = try getArray(Float.self, count: initial.users.rows, "user biases")
        m.itemBias = try getArray(Float.self, count: initial.items.rows, "item biases")
        m.users.values = try getArray(Float.self, count: initial.users.values.count, "user factors")
        m.items.values = try getArray(Float.self, count: initial.items.values.count, "item factors")
        return m
    }

    /// Reports `put(reports:)` wrote.
    mutating func getReports() throws -> [EpochReport] {
        try (0 ..< Int(try get(UInt32.self, "report count"))).map { _ in
            let epoch = Int(try get(Int64.self, "epoch")), train = try getDouble("training RMSE")
            let hasTest = try get(UInt8.self, "held-out RMSE flag") == 1, test = try getDouble("held-out RMSE")
            return EpochReport(epoch: epoch, trainRMSE: train, testRMSE: hasTest ? test : nil, seconds: try getDouble("seconds"),
                               evaluationSeconds: try getDouble("evaluation seconds"))
        }
    }

    /// Early stopping as `put(stopper:)` wrote it, with the job's patience and, for trainers that
    /// keep it there, the best model.
    mutating func getStopper(patience: Int?, best: BiasedFactorModel? = nil) throws -> EarlyStopping {
        let bestRMSE = try getDouble("best held-out RMSE"), sinceBest = Int(try get(UInt32.self, "epochs since the best"))
        return EarlyStopping(patience: patience, progress: (bestRMSE, sinceBest), best: best)
    }

    /// Throws unless every byte was read: a state longer than its parts is not one this build wrote.
    func expectEnd(_ what: String) throws {
        guard remaining == 0 else { throw JobError("\(what): \(remaining) bytes left over after the state") }
    }
}
