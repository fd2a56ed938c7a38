@testable import CineMeshCluster
import FuzzSupport

/// `Message(frames:)` on any frames (the multipart message after the ROUTER's routing id), then
/// the body decoded as its receiver decodes it: a message or a `ProtocolError`, and a message's
/// frames parse back to the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let frames = FuzzInput(data, size).frames
    let message: Message
    do {
        message = try Message(frames: frames)
    } catch {
        return 0
    }
    let again = try! Message(frames: message.frames)
    precondition(again.command == message.command && again.body == message.body && again.payload == message.payload,
                 "a message does not parse back from its frames")
    _ = try? decodeBody(message)
    return 0
}

/// The body as the coordinator, a worker, a client or a model subscriber reads it for the command.
private func decodeBody(_ m: Message) throws(ProtocolError) {
    switch m.command {
    case .ready: _ = try m.decode(ReadyBody.self)
    case .welcome: _ = try m.decode(WelcomeBody.self)
    case .task: _ = try m.decode(TaskBody.self)
    case .fetch: _ = try m.decode(FetchBody.self)
    case .chunk: _ = try m.decode(ChunkBody.self)
    case .result: _ = try m.decode(ResultBody.self)
    case .failed: _ = try m.decode(FailedBody.self)
    case .disconnect: _ = try m.decode(DisconnectBody.self)
    case .error: _ = try m.decode(ErrorBody.self)
    case .jobEnded: _ = try m.decode(JobEndedBody.self)
    case .submit: _ = try m.decode(JobSpec.self)
    case .listJobs: _ = try m.decode(JobListQuery.self)
    case .jobStatus, .cancel: _ = try m.decode(JobQuery.self)
    case .watchModels: _ = try m.decode(WatchModelsBody.self)
    case .watching: _ = try m.decode(WatchingBody.self)
    case .modelPublished: _ = try m.decode(ModelNotice.self)
    case .reply: _ = try m.decode(JobRecord.self)
    case .heartbeat, .listWorkers: break
    }
}
