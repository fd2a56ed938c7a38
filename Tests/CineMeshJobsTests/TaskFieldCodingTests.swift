import CineMeshCluster
@testable import CineMeshJobs
import CineMeshData
import CineMeshNumerics
import Testing

/// The flat coding every task kind's parameters go through: exact bits for floats, and a
/// refusal that names the field for anything missing, malformed or unknown.
@Suite struct TaskFieldCodingTests {
    /// Every Float and Double bit pattern but NaN's comes back with the same bits, through the
    /// hex text docs/PROTOCOL.md specifies.
    @Test func floatsKeepTheirBits() throws {
        for _ in 0 ..< 2000 {
            let task = BaselineRowsTask(side: .item, index: 0, split: TaskSplit(split: .none, seed: 0), mean: .randomBits(), reg: .randomBits())
            let back = try BaselineRowsTask(fields: task.fields)
            #expect(back.mean.bitPattern == task.mean.bitPattern && back.reg.bitPattern == task.reg.bitPattern)
        }
        #expect(BaselineRowsTask(side: .user, index: 3, split: TaskSplit(split: .none, seed: 0), mean: 3.5, reg: -0.0).fields["reg"] == "80000000")
    }

    /// The split fields sit beside the task's own, as the wire has always carried them, and
    /// `own_files` only when the split needs companions.
    @Test func splitFieldsAreFlat() throws {
        let perRating = BaselineRowsTask(side: .user, index: 1, split: TaskSplit(split: .random(testFraction: 0.2), seed: 7), mean: 1, reg: 1)
        #expect(perRating.fields["split"] == "random:0.2" && perRating.fields["split_seed"] == "7" && perRating.fields["own_files"] == nil)
        let companions = BaselineRowsTask(side: .user, index: 1, split: TaskSplit(split: .leaveLast(count: 2), seed: 7, ownFiles: 3), mean: 1, reg: 1)
        #expect(companions.fields["own_files"] == "3")
        #expect(try BaselineRowsTask(fields: companions.fields) == companions)
    }

    /// A missing, malformed or unknown field is refused with its name, and a runner's input with
    /// the task kind before it.
    @Test func badFieldsAreRefusedByName() throws {
        let good = BaselineRowsTask(side: .item, index: 2, split: TaskSplit(split: .none, seed: 1), mean: 3, reg: 0.5).fields
        func problem(_ change: (inout [String: String]) -> Void) -> String? {
            var fields = good
            change(&fields)
            do { _ = try BaselineRowsTask(fields: fields); return nil } catch { return error.description }
        }
        #expect(problem { $0["reg"] = nil } == "missing field 'reg'")
        #expect(problem { $0["split_seed"] = nil } == "missing field 'split_seed'")
        #expect(problem { $0["mean"] = "3.5" } == "field 'mean' is not an exact f32: '3.5'")
        #expect(problem { $0["index"] = "two" } == "field 'index' is not an integer of type Int: 'two'")
        #expect(problem { $0["side"] = "both" } == "field 'side' is not a known value: 'both'")
        #expect(problem { $0["split"] = "random:2" }?.hasPrefix("field 'split' is not a split") == true)
        #expect(problem { $0["stride"] = "4" } == "unknown field 'stride'")
        #expect(problem { _ in } == nil)
        var input = TaskInput(job: 1, parameters: good, files: [], payload: [])
        input.parameters["mean"] = nil
        let error = #expect(throws: TaskError.self) { try BaselineRowsTask(input) }
        #expect(error?.message == "baseline-rows: missing field 'mean'")
    }

    /// The kinds with fields of their own shapes name them too: ALS's algorithm, svd's lists,
    /// a tune trial's train parameters, the stats scale.
    @Test func otherKindsNameTheirFields() throws {
        var als = ALSRowsTask(side: .user, index: 0, stride: 16, factors: 8, reg: 0.1, split: TaskSplit(split: .none, seed: 0),
                              solver: .implicit(alpha: 40, positiveThreshold: 4, cgSteps: 3)).fields
        als["cg_steps"] = nil
        #expect(throws: TaskFieldError.missing("cg_steps")) { try ALSRowsTask(fields: als) }
        als["algo"] = "svd"
        #expect(throws: TaskFieldError.malformed("algo", "svd", expected: "als or als-implicit")) { try ALSRowsTask(fields: als) }
        var score = SVDScoreTask(epoch: 0, rows: [1, 2], heldOut: [], stride: 16, columns: 2, mean: 3, scale: TaskScale(.oneToFive), residentColumns: [0]).fields
        #expect(score["rows"] == "1,2" && score["held_out"] == "")
        score["rows"] = "1,,2"
        #expect(throws: TaskFieldError.malformed("rows", "1,,2", expected: "a comma-separated list of Int")) { try SVDScoreTask(fields: score) }
        score["rows"] = "1,2"
        score["scale"] = "five"
        #expect(throws: TaskFieldError.malformed("scale", "five", expected: "a rating scale min:max[:step]")) { try SVDScoreTask(fields: score) }
        var trial = TuneTrialTask(trial: ["algo": "svd", "lr": "0.01"], users: 10, items: 10, grid: Grid(userBoundaries: [0, 10], itemBoundaries: [0, 10]),
                                  scale: TaskScale(.oneToFive)).fields
        trial["tune.items"] = nil
        #expect(throws: TaskFieldError.missing("tune.items")) { try TuneTrialTask(fields: trial) }
        trial["tune.items"] = "10"
        trial["learning_rat"] = "0.1"
        let error = #expect(throws: TaskFieldError.self) { try TuneTrialTask(fields: trial) }
        #expect(error?.description.contains("learning_rat") == true, "\(error.map { "\($0)" } ?? "")")
    }
}

extension Float {
    /// A random bit pattern that is not a NaN (infinities, zeros of both signs and subnormals included).
    static func randomBits() -> Float {
        while true {
            let x = Float(bitPattern: .random(in: 0 ... .max))
            if !x.isNaN { return x }
        }
    }
}

extension Double {
    /// A random bit pattern that is not a NaN (infinities, zeros of both signs and subnormals included).
    static func randomBits() -> Double {
        while true {
            let x = Double(bitPattern: .random(in: 0 ... .max))
            if !x.isNaN { return x }
        }
    }
}
