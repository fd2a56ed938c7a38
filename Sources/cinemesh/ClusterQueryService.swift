import CineMeshCluster
import CineMeshData
import CineMeshServing
import Foundation

/// The gateway's `POST /v1/query` on the coordinator it follows: each request submits a `query`
/// job and follows it to the end on a thread of its own (the client blocks; the gateway's event
/// loops must not), cancelling it at the time limit.
struct ClusterQueryService: QueryService {
    let endpoint: String
    let clientTimeoutMilliseconds: Int
    /// The gateway's CURVE keys toward the coordinator (nil: plain TCP on loopback).
    let security: CurveClient?
    /// Queries followed at once (a thread each); past it the gateway answers 503 at once.
    static let concurrency = 8
    private let running = Counter()

    init(endpoint: String, clientTimeoutMilliseconds: Int, security: CurveClient?) {
        self.endpoint = endpoint
        self.clientTimeoutMilliseconds = clientTimeoutMilliseconds
        self.security = security
    }

    /// How many queries this gateway follows now.
    final class Counter: @unchecked Sendable {
        private let lock = Lock()
        private var value = 0
        func enter(limit: Int) -> Bool {
            lock.withLock {
                guard value < limit else { return false }
                value += 1
                return true
            }
        }
        func leave() { lock.withLock { value -= 1 } }
    }

    func run(sql: String, dataset: String, maxRows: Int, timeoutMilliseconds: Int) async throws -> QueryAnswer {
        guard running.enter(limit: Self.concurrency) else {
            throw GatewayError(.serviceUnavailable, "busy", "this gateway already runs \(Self.concurrency) queries; try again shortly")
        }
        return try await withCheckedThrowingContinuation { continuation in
            Thread { [running] in
                defer { running.leave() }
                continuation.resume(with: Result { try blockingRun(sql: sql, dataset: dataset, maxRows: maxRows, timeout: timeoutMilliseconds) })
            }.start()
        }
    }

    private func blockingRun(sql: String, dataset: String, maxRows: Int, timeout: Int) throws -> QueryAnswer {
        let start = Date()
        let deadline = start.addingTimeInterval(Double(timeout) / 1000)
        let client: ClusterClient
        let submitted: JobRecord
        do {
            client = try ClusterClient(endpoint: endpoint, timeoutMilliseconds: clientTimeoutMilliseconds, security: security)
            submitted = try client.submit(JobSpec(type: "query", dataset: dataset, parameters: ["sql": sql, "max_rows": String(maxRows)]))
        } catch let f as ClusterClient.Failure {
            throw Self.error(f.message)
        } catch {
            throw GatewayError(.serviceUnavailable, "cluster-unavailable", "the coordinator at \(endpoint) does not answer: \(error)")
        }
        var wait = 0.002
        while true {
            let record: JobRecord
            do {
                record = try client.status(submitted.id)
            } catch {
                throw GatewayError(.serviceUnavailable, "cluster-unavailable", "lost the coordinator while job \(submitted.id) ran: \(error)")
            }
            if record.state.isFinal {
                guard record.state == .succeeded, let json = record.result else { throw Self.error(record.error ?? "job \(record.id) \(record.state.rawValue)") }
                return QueryAnswer(job: record.id, resultJSON: json, elapsedMilliseconds: Int(Date().timeIntervalSince(start) * 1000))
            }
            if Date() >= deadline {
                _ = try? client.cancel(submitted.id)
                throw GatewayError(.gatewayTimeout, "query-timeout", "job \(submitted.id) ran longer than \(timeout) ms and was cancelled")
            }
            usleep(UInt32(wait * 1_000_000))
            wait = min(0.05, wait * 2)
        }
    }

    /// A failed query as an HTTP error: a bad query (with its position) is the client's.
    static func error(_ message: String) -> GatewayError {
        if message.contains("more than max_rows") { return GatewayError(.contentTooLarge, "too-many-rows", message) }
        if message.contains("no such dataset") || message.contains("not a CineMesh dataset") {
            return GatewayError(.notFound, "unknown-dataset", message)
        }
        guard let range = message.range(of: "query:"), !message.contains("damaged partial") else {
            return GatewayError(.badGateway, "query-failed", message)
        }
        let parts = message[range.upperBound...].split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) {
            return GatewayError(.badRequest, "bad-query", String(message[range.lowerBound...]), line: line, column: column)
        }
        return GatewayError(.badRequest, "bad-query", String(message[range.lowerBound...]))
    }
}
