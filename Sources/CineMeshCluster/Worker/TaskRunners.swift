import CineMeshData
import Foundation

/// What a task runner gets: the TASK's parameters, local paths of its files (in the TASK's
/// order) and its payload frames.
public struct TaskInput: Sendable {
    /// The job the task belongs to (runners that keep state between tasks key it by job).
    public var job: Int64
    public var parameters: [String: String]
    public var files: [String]
    public var payload: [Frame]

    public init(job: Int64, parameters: [String: String], files: [String], payload: [Frame]) {
        self.job = job
        self.parameters = parameters
        self.files = files
        self.payload = payload
    }

    /// Payload frame `index`, moved out of the input (an empty frame is left in its place): the
    /// runner then holds the only reference, so it can change the frame in place and send it on
    /// without a copy.
    public mutating func takePayload(_ index: Int) -> Frame {
        var frame = Frame()
        swap(&frame, &payload[index])
        return frame
    }
}

/// What a task runner returns: small named outputs and bulk payload frames.
public struct TaskOutput: Sendable {
    public var output: [String: String]
    public var payload: [Frame]

    public init(output: [String: String], payload: [Frame] = []) {
        self.output = output
        self.payload = payload
    }
}

/// A task that failed; `retryable` false when another attempt cannot do better, `notReady` when
/// it came before what it needs (rows a block before it leaves on this worker): it then runs
/// again later without using up an attempt.
public struct TaskError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let retryable: Bool
    public let notReady: Bool
    public init(_ message: String, retryable: Bool = false) {
        self.message = message
        self.retryable = retryable
        notReady = false
    }

    /// The task came too early: its inputs are not here yet.
    public static func notReady(_ message: String) -> TaskError { TaskError(message, notReady: true) }

    private init(_ message: String, notReady: Bool) {
        self.message = message
        retryable = true
        self.notReady = notReady
    }
    public var description: String { message }
}

/// The worker side of job types: task kind -> code. Runs on the worker's task thread lowest
/// priority first (in the order tasks arrive on a tie), or for the `background` kinds on a
/// thread of their own at the lowest priority, beside and out of order with the others: such a
/// kind may only read what tasks before it left. `forget` drops what runners keep between tasks:
/// a job's state when it ends (JOB-ENDED), everything (nil) when the worker connects again.
public struct TaskRunners: Sendable {
    /// A runner may take its input's payload frames (`TaskInput.takePayload`).
    public typealias Runner = @Sendable (inout TaskInput) throws -> TaskOutput
    public var runners: [String: Runner]
    public var background: Set<String>
    public var forget: @Sendable (_ job: Int64?) -> Void

    public init(runners: [String: Runner], background: Set<String> = [], forget: @escaping @Sendable (_ job: Int64?) -> Void = { _ in }) {
        self.runners = runners
        self.background = background
        self.forget = forget
    }
}
