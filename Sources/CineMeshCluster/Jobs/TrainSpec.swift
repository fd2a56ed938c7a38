import CineMeshData
import CineMeshNumerics

/// The parameters of a `train` job, read from a job spec's `parameters` with the names of the
/// `cinemesh train` flags (snake case): `algo` (svd), `factors`, `epochs`, `lr`, `reg`, `lr_bias`,
/// `reg_bias`, `lr_decay`, `init_std`, `seed`, `early_stopping`, `split` (random:F or kfold:K:I),
/// `split_seed`.
public struct TrainSpec: Sendable, Equatable {
    public var svd = SVDParameters()
    public var split = SplitSpec.random(testFraction: 0.2)
    public var splitSeed: UInt64 = 42

    public static let keys = ["algo", "factors", "epochs", "lr", "reg", "lr_bias", "reg_bias", "lr_decay", "init_std", "seed",
                              "early_stopping", "split", "split_seed"]

    public init() {}

    public init(parameters: [String: String]) throws {
        for key in parameters.keys where !Self.keys.contains(key) {
            throw JobError("train: unknown parameter '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
        let algo = parameters["algo"] ?? "svd"
        guard algo == "svd" else {
            throw JobError("train: algo '\(algo)' does not run on the cluster yet (svd does; als, als-implicit and baseline train in one process with `cinemesh train`)")
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ valid: (T) -> Bool) throws -> T? {
            guard let text = parameters[key] else { return nil }
            guard let v = T(text), valid(v) else { throw JobError("train: \(key) has a bad value '\(text)'") }
            return v
        }
        if let v: Int = try number("factors", { (1 ... 1024).contains($0) }) { svd.factors = v }
        if let v: Int = try number("epochs", { (0 ... 100_000).contains($0) }) { svd.epochs = v }
        if let v: Float = try number("lr", { $0 > 0 && $0.isFinite }) { svd.learningRate = v }
        if let v: Float = try number("reg", { $0 >= 0 && $0.isFinite }) { svd.regularization = v }
        svd.learningRateBias = try number("lr_bias", { (x: Float) in x > 0 && x.isFinite })
        svd.regularizationBias = try number("reg_bias", { (x: Float) in x >= 0 && x.isFinite })
        if let v: Float = try number("lr_decay", { $0 > 0 && $0 <= 1 }) { svd.learningRateDecay = v }
        if let v: Float = try number("init_std", { $0 >= 0 && $0.isFinite }) { svd.initStd = v }
        if let v: UInt64 = try number("seed", { _ in true }) { svd.seed = v }
        svd.earlyStoppingPatience = try number("early_stopping", { (x: Int) in x >= 1 })
        if let text = parameters["split"] {
            do { split = try SplitSpec(parsing: text) } catch { throw JobError("train: \(error)") }
            guard split.isPerRating else {
                throw JobError("train: split \(text) needs every block of a user at once; on the cluster use random:F or kfold:K:I")
            }
        }
        if let v: UInt64 = try number("split_seed", { _ in true }) { splitSeed = v }
    }
}
