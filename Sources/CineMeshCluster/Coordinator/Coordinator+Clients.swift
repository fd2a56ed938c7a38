import CineMeshData
import Foundation

extension Coordinator {
    func drainClients() throws {
        for _ in 0 ..< 1000 {
            guard let (frames, peer) = try clientSocket.receiveWithPeer(dontWait: true) else { return }
            guard frames.count >= 2 else { continue }
            let routing = frames[0]
            heard(subscriber: routing)
            let reply: Message
            do {
                let message = try Message(frames: Array(frames.dropFirst()))
                try authorize(message, from: peer)
                reply = try answer(message, from: routing, peer: peer)
            } catch let error as ProtocolError {
                refuse(routing, error, on: clientSocket, peer: peer)
                continue
            } catch let error as ErrorBody {
                reply = try Message(.error, error)
            } catch {
                // Also a REPLY that cannot be encoded (a NaN in a job's metrics, say).
                reply = try Message(.error, ErrorBody(code: "internal", message: "\(error)"))
            }
            try? clientSocket.send([routing] + reply.frames, dontWait: true)
        }
    }

    /// The role a message's sender authenticated as: nil for a plain-TCP peer, which only a
    /// coordinator on loopback accepts (and lets do anything).
    static func role(of peer: PeerMetadata) -> PeerRole? {
        peer.userId.flatMap { id in id.firstIndex(of: ":").flatMap { PeerRole(rawValue: String(id[..<$0])) } }
    }

    /// Refuses what the sender's role may not do: a gateway follows models, reads jobs and
    /// workers, and submits queries; only a client submits other jobs or cancels.
    private func authorize(_ message: Message, from peer: PeerMetadata) throws {
        guard security != nil else { return }
        guard let role = Self.role(of: peer) else {
            throw ErrorBody(code: "forbidden", message: "this connection has no authenticated role")
        }
        guard role == .gateway else { return }
        switch message.command {
        case .watchModels, .fetch, .listJobs, .jobStatus, .listWorkers: return
        case .submit where (try? message.decode(JobSpec.self))?.type == "query": return
        default:
            throw ErrorBody(code: "forbidden", message: "a gateway key may not send \(message.command) (use a client key)")
        }
    }

    private func answer(_ message: Message, from routing: Frame, peer: PeerMetadata) throws -> Message {
        switch message.command {
        case .submit:
            return try Message(.reply, try submit(try message.decode(JobSpec.self), from: peer))
        case .listJobs:
            let limit = max(1, min(10_000, try message.decode(JobListQuery.self).limit))
            let records = try registry.jobs(limit: limit).map { jobs[$0.id]?.record ?? $0 }
            return try Message(.reply, records)
        case .jobStatus:
            let id = try message.decode(JobQuery.self).job
            guard let record = try record(id) else { throw ErrorBody(code: "not-found", message: "no job \(id)") }
            return try Message(.reply, record)
        case .cancel:
            return try Message(.reply, try cancel(try message.decode(JobQuery.self).job))
        case .listWorkers:
            let now = MonotonicClock.milliseconds()
            let infos = scheduler.workerList.map { w in
                WorkerInfo(workerId: w.ready.workerId, host: w.ready.host, key: w.keyName, pid: w.ready.pid, capacity: w.ready.capacity,
                           activity: w.running.isEmpty ? "idle"
                               : w.running.map { "job \($0.key.job) task \($0.key.task) attempt \($0.attempt)" }.joined(separator: "; "),
                           tasksDone: w.tasksDone, silentMilliseconds: Int(now - min(now, w.lastHeard)),
                           upSeconds: Double(now - min(now, w.registeredAt)) / 1000)
            }
            return try Message(.reply, infos)
        case .watchModels:
            return try watch(routing, try message.decode(WatchModelsBody.self))
        case .fetch:
            return try chunk(answering: try message.decode(FetchBody.self))
        default:
            guard message.command.channel == .workers else { throw ProtocolError.malformed(message.command, "not a client-channel command") }
            throw ProtocolError.wrongEndpoint("this is the coordinator's clients endpoint (workers connect to \(endpoints.workers))")
        }
    }
}
