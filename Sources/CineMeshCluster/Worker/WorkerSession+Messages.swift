import CineMeshData

extension WorkerSession {
    /// A message from the coordinator. Any message proves it alive.
    public mutating func received(_ message: Message, now: UInt64) -> [Action] {
        switch phase {
        case .registering, .registered, .draining: break
        case .connecting, .waiting, .stopped: return []
        }
        liveness.heard(now: now)
        do {
            switch message.command {
            case .welcome:
                return welcome(try message.decode(WelcomeBody.self))
            case .heartbeat:
                return []
            case .task:
                return take(try message.decode(TaskBody.self), payload: message.payload)
            case .chunk:
                guard phase == .registered else { return [] }   // draining: the transfers ended
                return [.chunk(try message.decode(ChunkBody.self), payload: message.payload)]
            case .jobEnded:
                let job = try message.decode(JobEndedBody.self).job
                guard phase == .registered else { return [.forgetJob(job)] }
                return [.dropTasks(job: job, reason: "job \(job) ended", retryable: false), .forgetJob(job)]
            case .disconnect:
                let why = (try? message.decode(DisconnectBody.self).reason) ?? "no reason"
                if phase == .registered || phase == .registering { return reconnect("coordinator said DISCONNECT: \(why)", silent: false, now: now) }
                // Draining: the coordinator no longer knows this session, so no reply can count.
                phase = .stopped
                return [.exit("the coordinator said DISCONNECT while \(tasksInFlight) tasks finished: \(why)")]
            case .error:
                let body = try message.decode(ErrorBody.self)
                guard let refusal = Refusal(body, coordinatorProtocol: message.version) else { return [.coordinatorError(body)] }
                phase = .stopped
                return [.refused(refusal), .exit("refused by the coordinator")]
            default:
                throw ProtocolError.malformed(message.command, "not sent to workers")
            }
        } catch {
            return [.protocolError("cannot handle \(message.command): \(error)")]
        }
    }

    private mutating func welcome(_ body: WelcomeBody) -> [Action] {
        guard phase == .registering || phase == .registered else { return [] }
        phase = .registered
        liveness.accepted(heartbeatMilliseconds: body.heartbeatMilliseconds, liveness: body.liveness)
        return [.registered(body)]
    }
}
