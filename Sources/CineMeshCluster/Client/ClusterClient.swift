import Foundation

/// A client of the coordinator's clients endpoint (submit, jobs, status, cancel, workers).
/// Each request uses a fresh DEALER socket, so a reply that arrives after its timeout can never
/// be mistaken for the answer to the next request.
public final class ClusterClient {
    public let endpoint: String
    public let timeoutMilliseconds: Int
    let context: ZMQContext
    /// CURVE toward the coordinator; nil: plain TCP (loopback).
    let security: CurveClient?

    /// A client of `endpoint`; `security` from `ClusterSecurity.client(_:role:endpoint:)`.
    public init(endpoint: String, timeoutMilliseconds: Int, security: CurveClient? = nil) throws {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        self.security = security
        context = try ZMQContext()
    }

    /// A client as the configuration says: its endpoint (unless `endpoint` names another), its
    /// timeout, and its CURVE keys as `role` when `security.keys_dir` is set.
    public convenience init(config: ClusterConfig, endpoint: String? = nil, role: PeerRole = .client) throws {
        let endpoint = endpoint ?? config.clientCoordinator
        try self.init(endpoint: endpoint, timeoutMilliseconds: config.clientTimeoutMilliseconds,
                      security: try ClusterSecurity.client(config, role: role, endpoint: endpoint))
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
        let (socket, monitor) = try connect()
        defer { close(socket, monitor) }
        try socket.send(message.frames)
        let deadline = MonotonicClock.milliseconds() + UInt64(timeoutMilliseconds)
        while true {
            guard let reply = try receive(on: socket, monitor: monitor, before: deadline) else {
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

    /// A fresh DEALER connected to the coordinator (with CURVE when configured), and the monitor
    /// that tells why a handshake failed.
    func connect() throws -> (ZMQSocket, HandshakeMonitor) {
        let socket = try ZMQSocket(context, .dealer)
        if let security { try socket.secure(as: security) }
        let monitor = try HandshakeMonitor(watching: socket, context: context)
        try socket.connect(endpoint)
        return (socket, monitor)
    }

    func close(_ socket: ZMQSocket, _ monitor: HandshakeMonitor) {
        monitor.close()
        socket.close()
    }

    /// The next message on `socket`, or nil when none came before `deadline`; one the client
    /// cannot read, or a handshake the coordinator refused, is a `Failure` naming the endpoint.
    func receive(on socket: ZMQSocket, monitor: HandshakeMonitor, before deadline: UInt64) throws -> Message? {
        while true {
            let now = MonotonicClock.milliseconds()
            guard now < deadline else { return nil }
            let ready = try ZMQPoll.readable([socket, monitor.pollable], timeoutMilliseconds: Int(deadline - now))
            if ready[1], let failure = monitor.failures().last(where: { $0.kind != .other }) {
                let key = security.map { " This \($0.role.rawValue)'s public key: \($0.keys.publicKey.z85)" } ?? ""
                throw Failure(code: "refused", message: "the coordinator at \(endpoint) refused the connection: \(failure.reason).\(key)")
            }
            guard ready[0], let frames = try socket.receive(dontWait: true) else { continue }
            do { return try Message(frames: frames) } catch {
                throw Failure(code: error.code, message: "the coordinator at \(endpoint) answered: \(error)")
            }
        }
    }
}
