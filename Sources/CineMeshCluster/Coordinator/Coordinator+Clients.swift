import CineMeshData
import Foundation

extension Coordinator {
    func drainClients() throws {
        for _ in 0 ..< 1000 {
            guard let frames = try clientSocket.receive(dontWait: true) else { return }
            guard frames.count >= 2 else { continue }
            let routing = frames[0]
            heard(subscriber: routing)
            let reply: Message
            do {
                let message = try Message(frames: Array(frames.dropFirst()))
                reply = try answer(message, from: routing)
            } catch let error as ProtocolError {
                refuse(routing, error, on: clientSocket)
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

    private func answer(_ message: Message, from routing: Frame) throws -> Message {
        switch message.command {
        case .submit:
            return try Message(.reply, try submit(try message.decode(JobSpec.self)))
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
                WorkerInfo(workerId: w.ready.workerId, host: w.ready.host, pid: w.ready.pid, capacity: w.ready.capacity,
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
