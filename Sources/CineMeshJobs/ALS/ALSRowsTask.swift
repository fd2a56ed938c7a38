/// The parameters of an `als-rows` task: solve the rows of grid line `index` (a row of users or
/// a column of items) against the fixed side, in rows of `stride` floats of which the first
/// `factors` are the model's, with the fields of explicit or implicit ALS (`solver`).
struct ALSRowsTask: TaskSpec {
    static let kind = "als-rows"

    var side: TaskSide
    var index: Int
    var stride: Int
    var factors: Int
    var reg: Double
    var split: TaskSplit
    var solver: Solver

    /// What differs between the two algorithms; `algo` on the wire says which it is.
    enum Solver: Codable, Equatable, Sendable {
        /// `als`: biases regularised by `regBias` (or none), around the job's global mean.
        case explicit(regBias: Double, biased: Bool, mean: Float)
        /// `als-implicit`: confidence `alpha`, ratings at or above `positiveThreshold` positive,
        /// `cgSteps` conjugate-gradient steps per row.
        case implicit(alpha: Double, positiveThreshold: Float, cgSteps: Int)

        enum CodingKeys: String, CodingKey {
            case algo, regBias = "reg_bias", biased, mean, alpha, positiveThreshold = "positive_threshold", cgSteps = "cg_steps"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .algo) {
            case "als":
                self = .explicit(regBias: try c.decode(Double.self, forKey: .regBias), biased: try c.decode(Bool.self, forKey: .biased),
                                 mean: try c.decode(Float.self, forKey: .mean))
            case "als-implicit":
                self = .implicit(alpha: try c.decode(Double.self, forKey: .alpha), positiveThreshold: try c.decode(Float.self, forKey: .positiveThreshold),
                                 cgSteps: try c.decode(Int.self, forKey: .cgSteps))
            case let other:
                throw TaskFieldError.malformed("algo", other, expected: "als or als-implicit")
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case let .explicit(regBias, biased, mean):
                try c.encode("als", forKey: .algo)
                try c.encode(regBias, forKey: .regBias)
                try c.encode(biased, forKey: .biased)
                try c.encode(mean, forKey: .mean)
            case let .implicit(alpha, positiveThreshold, cgSteps):
                try c.encode("als-implicit", forKey: .algo)
                try c.encode(alpha, forKey: .alpha)
                try c.encode(positiveThreshold, forKey: .positiveThreshold)
                try c.encode(cgSteps, forKey: .cgSteps)
            }
        }
    }
}
