import CineMeshCluster

/// One task kind's parameters as one value. The coordinator builds it and `plan` carries it in a
/// `TaskPlan`'s fields; the worker's runner gets it back with `init(_:)`, which names the first
/// missing, malformed or unknown field. A type lists each field once (its `CodingKeys` are the
/// wire names of docs/PROTOCOL.md); `TaskFieldEncoder` writes integers in decimal and every
/// `Float` and `Double` as its exact bit pattern in hex, so a hyper-parameter reaches the worker
/// with the same bits. A nested struct (`TaskSplit`) adds its fields to its parent's.
protocol TaskSpec: Codable, Equatable, Sendable {
    /// The task kind (`TaskRunners` key) the value is the parameters of.
    static var kind: String { get }
}

extension TaskSpec {
    /// The value as the text fields a `TaskPlan` carries.
    var fields: [String: String] { TaskFieldEncoder.fields(self) }

    /// The value `fields` hold; throws `TaskFieldError` naming the first field that is missing,
    /// malformed, or unknown to this kind.
    init(fields: [String: String]) throws(TaskFieldError) {
        self = try TaskFieldDecoder.decode(Self.self, from: fields)
    }

    /// The task's parameters, as the worker receives them; a field that is missing, malformed or
    /// unknown fails the task with its name (`nmf-block: missing field 'stride'`).
    init(_ input: TaskInput) throws(TaskError) {
        do { try self.init(fields: input.parameters) } catch { throw TaskError("\(Self.kind): \(error)") }
    }

    /// A task of this kind with these parameters.
    func plan(files: [FileRef] = [], payload: [Frame] = [], affinity: String? = nil, priority: Int = 0) -> TaskPlan {
        TaskPlan(kind: Self.kind, parameters: fields, files: files, payload: payload, affinity: affinity, priority: priority)
    }
}

/// A task kind's small named results (`TaskOutput.output`), coded as `TaskSpec` codes parameters.
protocol TaskResultSpec: Codable, Equatable, Sendable {}

extension TaskResultSpec {
    /// The value as the text fields a `TaskOutput` carries.
    var fields: [String: String] { TaskFieldEncoder.fields(self) }

    /// The value a task's `output` holds; throws `TaskFieldError` naming the field that is not right.
    init(fields: [String: String]) throws(TaskFieldError) {
        self = try TaskFieldDecoder.decode(Self.self, from: fields)
    }
}

/// Why a task's fields do not decode: the field's name and what is wrong with it.
struct TaskFieldError: Error, Equatable, CustomStringConvertible {
    let field: String
    let problem: String

    static func missing(_ field: String) -> TaskFieldError { TaskFieldError(field: field, problem: "missing field '\(field)'") }
    static func unknown(_ field: String) -> TaskFieldError { TaskFieldError(field: field, problem: "unknown field '\(field)'") }
    static func malformed(_ field: String, _ text: String, expected: String) -> TaskFieldError {
        TaskFieldError(field: field, problem: "field '\(field)' is not \(expected): '\(text)'")
    }

    var description: String { problem }
}
