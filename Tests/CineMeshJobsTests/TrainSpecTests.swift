import CineMeshCluster
import CineMeshData
@testable import CineMeshJobs
import CineMeshNumerics
import Testing

/// The one train spec: built from settings or from a job's parameters, and written back.
@Suite struct TrainSpecTests {
    /// Every algorithm's spec, written as parameters and read back, is the same spec: what the
    /// command line builds is what the coordinator and the workers train.
    @Test(arguments: TrainSpec.Algorithm.allCases)
    func parametersReadBackToTheSameSpec(algorithm: TrainSpec.Algorithm) throws {
        var settings = TrainSpec.Settings()
        settings.algorithm = algorithm
        settings.factors = 12
        settings.epochs = 7
        settings.learningRate = 0.0071
        settings.regularization = TrainSpec.Number("0.037")
        settings.regularizationBias = TrainSpec.Number("0.3")
        settings.learningRateBias = 0.0123
        settings.initStd = 0.07
        settings.seed = 0xFFFF_FFFF_FFFF_FFF1
        settings.alpha = 12.5
        settings.cgSteps = 4
        settings.split = .kFold(folds: 5, fold: 2)
        settings.splitSeed = 99
        let spec = try TrainSpec(settings)
        #expect(try TrainSpec(parameters: spec.parameters) == spec)
    }

    /// Floats keep their bits whatever the decimal: a Float parameter is parsed as a Float, never
    /// through a Double, and a Double parameter (als) is parsed as a Double, never through a Float.
    @Test func numbersKeepTheirBitsAtTheirParametersPrecision() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 2_000 {
            let x = Float(bitPattern: UInt32.random(in: 0x3000_0000 ... 0x4100_0000, using: &generator))
            let svd = try TrainSpec(parameters: ["algo": "svd", "lr": String(x), "reg": String(x)])
            #expect(svd.svd.learningRate.bitPattern == x.bitPattern && svd.svd.regularization.bitPattern == x.bitPattern)
            #expect(try TrainSpec(parameters: svd.parameters).svd.regularization.bitPattern == x.bitPattern)
        }
        let als = try TrainSpec(parameters: ["algo": "als", "reg": "0.1"])
        #expect(als.als.regularization == 0.1)
        let svd = try TrainSpec(parameters: ["algo": "svd", "reg": "0.1"])
        #expect(svd.svd.regularization == Float("0.1")!)
    }

    @Test func unknownAndBadParametersAreRefusedByName() {
        let unknown = #expect(throws: JobError.self) { try TrainSpec(parameters: ["learning_rate": "0.1"]) }
        #expect(unknown?.message.contains("unknown parameter 'learning_rate'") == true)
        let bad = #expect(throws: JobError.self) { try TrainSpec(parameters: ["factors": "lots"]) }
        #expect(bad?.message == "train: factors has a bad value 'lots'")
        let range = #expect(throws: JobError.self) { try TrainSpec(parameters: ["algo": "als", "factors": "600"]) }
        #expect(range?.message == "train: ALS takes at most 512 factors")
        let both = #expect(throws: JobError.self) { try TrainSpec(parameters: ["test": "u1.test", "split": "random:0.1"]) }
        #expect(both?.message == "train: give test or split, not both")
    }

    /// `split none` trains on every rating and holds nothing out.
    @Test func splitNoneKeepsEveryRatingForTraining() throws {
        let spec = try TrainSpec(parameters: ["split": "none"])
        let block = RatingBlock(row: 0, column: 0, userRange: 0 ..< 2, itemRange: 0 ..< 2, users: [0, 0, 1], items: [0, 1, 0], ratings: [4, 2, 5])
        let parts = try spec.split.apply([block], users: 2, seed: spec.splitSeed)
        #expect(parts.train.map(\.count) == [3])
        #expect(parts.test.map(\.count) == [0])
        #expect(spec.parameters["split"] == "none")
    }

    /// The defaults are the parameter types' own (Surprise's for svd).
    @Test func defaultsAreStatedOnce() throws {
        let spec = try TrainSpec(TrainSpec.Settings())
        #expect(spec == TrainSpec())
        #expect(spec.svd == SVDParameters())
        #expect(spec.split == .random(testFraction: 0.2))
    }
}
