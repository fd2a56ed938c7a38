import CineMeshData
import CineMeshStore
import Foundation

/// Model subscribers (docs/PROTOCOL.md, section "Model subscribers"): gateways on any box that
/// WATCH-MODELS on the clients endpoint are told of every model a job publishes, and FETCH its
/// file from the coordinator's store by content.
extension Coordinator {
    /// At start-up: serves the files of the store's kept versions and remembers the newest.
    func servePublishedModels() throws {
        let kept = try models.list()
        for record in kept {
            files.publish(file: FileSystem.join(models.directory, record.file), xxh64: record.xxh64, bytes: UInt64(record.bytes))
        }
        for record in kept.reversed() { newestModels[record.name] = ModelNotice(record) }
    }

    /// WATCH-MODELS: registers the subscriber (or notes it is still there) and answers WATCHING
    /// with the rules and the newest model of the names it follows (of any name when it says none).
    func watch(_ routing: Frame, _ body: WatchModelsBody) throws -> Message {
        if subscribers.updateValue(MonotonicClock.milliseconds(), forKey: routing) == nil {
            logger.info("model subscriber joined", metadata: ["holds": "\(body.newest)", "subscribers": "\(subscribers.count)"])
            metrics.modelSubscribers.record(subscribers.count)
        }
        return try Message(.watching, WatchingBody(coordinatorId: coordinatorId, heartbeatMilliseconds: config.heartbeatIntervalMilliseconds,
                                               liveness: config.heartbeatLiveness, chunkBytes: config.transferChunkBytes,
                                               window: config.transferWindow, newest: newest(of: body.names)))
    }

    /// The newest model of `names` (nil: of any name).
    func newest(of names: [String]?) -> ModelNotice? {
        newestModels.filter { names?.contains($0.key) ?? true }.values.max { $0.version < $1.version }
    }

    /// Any message from a subscriber proves it alive.
    func heard(subscriber routing: Frame) {
        if subscribers[routing] != nil { subscribers[routing] = MonotonicClock.milliseconds() }
    }

    /// Forgets subscribers silent for HEARTBEAT_INTERVAL x HEARTBEAT_LIVENESS.
    func forgetSilentSubscribers(now: UInt64) {
        let deadAfter = UInt64(config.deadAfterMilliseconds)
        let silent = subscribers.filter { now - min(now, $0.value) > deadAfter }
        guard !silent.isEmpty else { return }
        for routing in silent.keys { subscribers[routing] = nil }
        logger.info("model subscribers left (silent)", metadata: ["left": "\(silent.count)", "subscribers": "\(subscribers.count)"])
        metrics.modelSubscribers.record(subscribers.count)
    }

    /// A job published `record` into the store: its file becomes servable (the pruned versions'
    /// files stop being), and every live subscriber is sent MODEL-PUBLISHED.
    func modelPublished(_ record: ModelRecord) {
        files.publish(file: FileSystem.join(models.directory, record.file), xxh64: record.xxh64, bytes: UInt64(record.bytes))
        do {
            for pruned in try models.list(includePruned: true) where pruned.pruned { files.withdraw(pruned.xxh64) }
        } catch {
            logger.error("cannot read the model registry: \(error)")
        }
        let notice = ModelNotice(record)
        newestModels[record.name] = notice
        let message: Message
        do { message = try Message(.modelPublished, notice) } catch {
            logger.error("cannot tell model subscribers of version \(record.version): \(error)")
            return
        }
        for routing in subscribers.keys {
            do { try clientSocket.send([routing] + message.frames, dontWait: true) } catch {
                logger.warning("cannot tell a model subscriber of version \(record.version): \(error)")
            }
        }
        logger.info("model published", metadata: ["version": "\(record.version)", "xxh64": "\(record.xxh64)",
                                                  "subscribers_told": "\(subscribers.count)"])
    }
}
