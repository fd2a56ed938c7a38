import CineMeshData
import Foundation

/// The parameters of a `tune-trial` task: one trial's train parameters (`trial`, as the grid
/// wrote them: `TrainSpec(parameters:)` reads them, the report shows them) beside the dataset's
/// shape, `tune.users`, `tune.items`, `tune.grid` (the manifest's grid as JSON) and `tune.scale`.
struct TuneTrialTask: TaskSpec {
    static let kind = "tune-trial"

    var trial: [String: String]
    var users: Int
    var items: Int
    var grid: Grid
    var scale: TaskScale

    init(trial: [String: String], users: Int, items: Int, grid: Grid, scale: TaskScale) {
        self.trial = trial
        self.users = users
        self.items = items
        self.grid = grid
        self.scale = scale
    }

    /// The spec the trial trains.
    func spec() throws -> TrainSpec { try TrainSpec(parameters: trial) }

    private static let users = TaskFieldKey("tune.users"), items = TaskFieldKey("tune.items"), grid = TaskFieldKey("tune.grid")
    private static let scale = TaskFieldKey("tune.scale")

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: TaskFieldKey.self)
        users = try c.decode(Int.self, forKey: Self.users)
        items = try c.decode(Int.self, forKey: Self.items)
        let gridText = try c.decode(String.self, forKey: Self.grid)
        guard let grid = try? JSONDecoder().decode(Grid.self, from: Data(gridText.utf8)) else {
            throw TaskFieldError.malformed(Self.grid.stringValue, gridText, expected: "a grid as JSON")
        }
        self.grid = grid
        scale = try c.decode(TaskScale.self, forKey: Self.scale)
        var trial: [String: String] = [:]
        for key in c.allKeys where !key.stringValue.hasPrefix("tune.") { trial[key.stringValue] = try c.decode(String.self, forKey: key) }
        do { _ = try TrainSpec(parameters: trial) } catch { throw TaskFieldError(field: "", problem: "\(error)") }
        self.trial = trial
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: TaskFieldKey.self)
        for (key, value) in trial { try c.encode(value, forKey: TaskFieldKey(key)) }
        try c.encode(users, forKey: Self.users)
        try c.encode(items, forKey: Self.items)
        // Sorted keys: the same grid is the same text, so a task's fields are a function of its value.
        let json = JSONEncoder()
        json.outputFormatting = .sortedKeys
        try c.encode(String(decoding: try json.encode(grid), as: UTF8.self), forKey: Self.grid)
        try c.encode(scale, forKey: Self.scale)
    }
}
