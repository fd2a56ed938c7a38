import Foundation

/// A client of the coordinator's clients endpoint (submit, jobs, status, cancel, workers).
/// Each request uses a fresh DEALER socket, so a reply that arrives after its timeout can never
/// be mistaken for the answer to the next request.
public final class ClusterClient {
    public let endpoint: String
    public let timeoutMilliseconds: Int
    let context: ZMQContext

    public init(endpoint: String, timeoutMilliseconds: Int) throws {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        context = try ZMQContext()
    }

    /// A failed request: no answer in time, or the coordinator's ERROR.
    public struct Failure: Error, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { message }
    }

    public func submit(_ spec: JobSpec) throws -> JobRecord { try request(try Message(.submit, spec), as: JobRecord.self) }
    public func jobs(limit: Int = 50) throws -> [JobRecord] { try request(try Message(.listJobs, JobListQuery(limit: limit)), as: [JobRecord].self) }
    public func status(_ job: Int64) throws -> JobRecord { try request(try Message(.jobStatus, JobQuery(job: job)), as: JobRecord.self) }
    public func cancel(_ job: Int64) throws -> JobRecord { try request(try Message(.cancel, JobQuery(job: job)), as: JobRecord.self) }
    public func workers() throws -> [WorkerInfo] { try request(Message(.listWorkers), as: [WorkerInfo].self) }

    private func request<T: Decodable>(_ message: Message, as type: T.Type) throws -> T {
        let socket = try ZMQSocket(context, .dealer)
        defer { socket.close() }
        try socket.connect(endpoint)
        try socket.send(message.frames)
        let deadline = MonotonicClock.milliseconds() + UInt64(timeoutMilliseconds)
        while true {
            guard let reply = try receive(on: socket, before: deadline) else {
                throw Failure(code: "timeout", message: "no answer from the coordinator at \(endpoint) within \(timeoutMilliseconds) ms (is it running? `cinemesh up` starts a local cluster)")
            }
            switch reply.command {
            case .reply:
                do { return try reply.decode(T.self) } catch {
                    throw Failure(code: "malformed", message: "unreadable reply: \(error)")
                }
            case .error:
                let body = try? reply.decode(ErrorBody.self)
                throw Failure(code: body?.code ?? "error", message: body?.message ?? "the coordinator refused the request")
            default:
                throw Failure(code: "malformed", message: "unexpected \(reply.command) from the coordinator")
            }
        }
    }

    /// The next message on `socket`, or nil when none came before `deadline`; one the client
    /// cannot read is a `Failure` naming the endpoint.
    func receive(on socket: ZMQSocket, before deadline: UInt64) throws -> Message? {
        while true {
            let now = MonotonicClock.milliseconds()
            guard now < deadline else { return nil }
            guard try ZMQPoll.readable([socket], timeoutMilliseconds: Int(deadline - now))[0],
                  let frames = try socket.receive(dontWait: true) else { continue }
            do { return try Message(frames: frames) } catch {
                throw Failure(code: error.code, message: "the coordinator at \(endpoint) answered: \(error)")
            }
        }
    }
}
