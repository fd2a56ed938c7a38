import CineMeshData
import CineMeshStore
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A gateway's link to the coordinator (docs/PROTOCOL.md, section "Model subscribers"): one loop
/// thread owns a DEALER on the coordinator's clients endpoint (`gateway.coordinator`), sends
/// WATCH-MODELS every heartbeat interval, learns of new model versions (WATCHING,
/// MODEL-PUBLISHED), FETCHes the newest one's file by content in chunks into a `.partial` file of
/// the local replica store, verifies it, and installs it under the coordinator's version number.
/// Installing (reading and checking a file that may be large) runs on another thread, so the
/// loop's heartbeats go on; `installed` is called there with each new record.
///
/// It follows models by name: the names it is given, or else the first one it meets (the
/// replica's newest model's, or the first the coordinator announces). Models of other names are
/// never fetched, so a gateway never swaps to another dataset's or another recommender's model.
///
/// When the coordinator falls silent the loop drops the connection (and any transfer), waits
/// RECONNECT_INITIAL doubling to RECONNECT_MAXIMUM, and subscribes again; the replica keeps what
/// it has meanwhile. A file that arrives damaged, or does not install, is refused with a log line
/// and fetched again after a wait that doubles from RECONNECT_INITIAL to RECONNECT_MAXIMUM, five
/// times at most (`RefusedFiles`); a newer version published is fetched at once.
public final class ModelSubscriber: @unchecked Sendable {
    public let endpoint: String
    let config: ClusterConfig
    let store: ModelStore
    let logger: Logger
    private let installed: @Sendable (ModelRecord) -> Void

    private let installQueue = DispatchQueue(label: "cinemesh.gateway.install")
    private let lock = Lock()
    private var stopRequested = false
    private var refusedBy: Refusal?
    /// Installs finished on `installQueue`, for the loop to pick up.
    private var outcomes: [(notice: ModelNotice, outcome: Result<ModelRecord, Error>)] = []

    // Loop-thread state.
    private let link: CoordinatorLink
    private var liveness: LinkLiveness
    private var chunkBytes: Int
    private var window: Int
    private var subscribed = false
    /// When WATCH-MODELS last went out.
    private var lastWatch: UInt64 = 0
    /// The model names followed (empty until the first one is met, when none were given).
    private var names: [String]
    /// Names announced that this subscriber does not follow, said once each in the log.
    private var ignored: Set<String> = []
    /// The newest version of the followed names in the replica store.
    private var newest: Int
    /// The version being fetched, and its transfer.
    private var transfer: (notice: ModelNotice, fetch: FileFetch)?
    /// The version being installed, and the newest one announced meanwhile.
    private var installing: ModelNotice?
    private var announced: ModelNotice?
    /// Files refused (damaged, or not installable), and when they may be fetched again.
    private var refused: RefusedFiles
    private var warnedBehind = false

    /// Opens nothing yet: `run()` (on a dedicated thread) connects. `store` is the local replica;
    /// `names` the model names to follow (empty: the first one met).
    public init(config: ClusterConfig, store: ModelStore, names: [String] = [], logger: Logger,
                installed: @escaping @Sendable (ModelRecord) -> Void) throws {
        self.config = config
        endpoint = config.gatewayCoordinator
        self.store = store
        self.logger = logger
        self.installed = installed
        chunkBytes = config.transferChunkBytes
        window = config.transferWindow
        refused = RefusedFiles(initial: UInt64(config.reconnectInitialMilliseconds), maximum: UInt64(config.reconnectMaximumMilliseconds))
        let names = names.isEmpty ? try store.names().prefix(1).map { $0 } : names
        self.names = names
        newest = try names.compactMap { try store.latest(name: $0)?.version }.max() ?? 0
        liveness = LinkLiveness(config)
        link = CoordinatorLink(endpoint: endpoint, context: try ZMQContext(),
                               security: try ClusterSecurity.client(config, role: .gateway, endpoint: endpoint))
        // Leftovers of transfers a previous run did not finish.
        for name in try FileSystem.list(store.directory) where name.hasSuffix(Self.partialSuffix) {
            unlink(FileSystem.join(store.directory, name))
        }
    }

    static let partialSuffix = ".partial"

    /// WATCH-MODELS: what the replica holds, and the names followed once there are some.
    private var watchBody: WatchModelsBody { WatchModelsBody(newest: newest, names: names.isEmpty ? nil : names) }

    /// Asks the loop to stop; safe from any thread. `run()` returns within one poll interval.
    public func requestStop() {
        lock.withLock { stopRequested = true }
    }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    /// Why the subscriber stopped by itself, if it did: the coordinator's ERROR refusing it for
    /// good (`wrong-endpoint`: the endpoint is not a clients endpoint; `version-mismatch`).
    /// Retrying cannot help, so it does not reconnect. Nil after `requestStop()`.
    public var refusal: Refusal? { lock.withLock { refusedBy } }

    /// The loop: subscribe, fetch and install new versions, reconnect with backoff when the
    /// coordinator falls silent. Returns after `requestStop()`, or once the coordinator refused
    /// this subscriber for good (`refusal`).
    public func run() {
        logger.info("following the coordinator's models", metadata: ["coordinator": "\(endpoint)", "replica": "\(store.directory)",
                                                                     "holds": "\(newest)"])
        connect()
        while !shouldStop {
            do {
                guard let socket = link.socket else { break }
                if try ZMQPoll.readable([socket], timeoutMilliseconds: liveness.pollMilliseconds)[0] {
                    for _ in 0 ..< 1000 {
                        guard let frames = try socket.receive(dontWait: true) else { break }
                        handle(frames)
                    }
                }
                takeInstallOutcomes()
                try tick()
            } catch {
                logger.error("model subscriber loop: \(error)")
            }
        }
        link.close()
        logger.info("model subscriber stopped")
    }

    // MARK: Connection

    private func connect() {
        subscribed = false
        do {
            try link.open(saying: try Message(.watchModels, watchBody))
            lastWatch = MonotonicClock.milliseconds()
            liveness.opened(now: lastWatch)
        } catch {
            logger.error("cannot connect to \(endpoint): \(error)")
        }
    }

    /// Drops the connection and any transfer, waits the current backoff (ending early on stop)
    /// and subscribes again.
    private func reconnect(_ why: String) {
        let backoff = liveness.dropped()
        logger.warning("reconnecting to the coordinator", metadata: ["why": "\(why)", "after_ms": "\(backoff)"])
        transfer = nil
        link.close()
        let until = MonotonicClock.milliseconds() + backoff
        while !shouldStop && MonotonicClock.milliseconds() < until { usleep(20_000) }
        if !shouldStop { connect() }
    }

    /// WATCH-MODELS every heartbeat interval, whatever else was sent; a silent coordinator is left.
    private func tick() throws {
        let now = MonotonicClock.milliseconds()
        if let silence = liveness.silence(now: now) {
            reconnect(link.whySilent(subscribed ? "coordinator silent for \(silence) ms" : "no WATCHING within \(silence) ms"))
        } else if now - min(now, lastWatch) >= liveness.heartbeat {
            lastWatch = now
            try link.send(try Message(.watchModels, watchBody))
        }
    }

    // MARK: Messages from the coordinator

    private func handle(_ frames: [Frame]) {
        let message: Message
        do {
            message = try Message(frames: frames)
        } catch {
            logger.warning("refused a message from the coordinator: \(error)")
            return
        }
        liveness.heard(now: MonotonicClock.milliseconds())
        do {
            switch message.command {
            case .watching:
                let watching = try message.decode(WatchingBody.self)
                if !subscribed {
                    logger.info("subscribed to the coordinator's models", metadata: ["coordinator": "\(watching.coordinatorId)",
                                                                                    "newest": "\(watching.newest?.version ?? 0)"])
                }
                subscribed = true
                liveness.accepted(heartbeatMilliseconds: watching.heartbeatMilliseconds, liveness: watching.liveness)
                chunkBytes = watching.chunkBytes
                window = watching.window
                if let notice = watching.newest { try consider(notice) }
            case .modelPublished:
                let notice = try message.decode(ModelNotice.self)
                logger.info("the coordinator published a model", metadata: ["version": "\(notice.version)", "algorithm": "\(notice.algorithm)",
                                                                           "dataset": "\(notice.dataset)", "bytes": "\(notice.bytes)"])
                try consider(notice)
            case .chunk:
                try receive(try message.decode(ChunkBody.self), payload: message.payload)
            case .disconnect:
                let body = try message.decode(DisconnectBody.self)
                logger.info("the coordinator said goodbye; the current model keeps serving", metadata: ["reason": "\(body.reason)"])
                reconnect("the coordinator disconnected: \(body.reason)")
            case .error:
                let body = try message.decode(ErrorBody.self)
                logger.error("the coordinator refused a message", metadata: ["code": "\(body.code)", "message": "\(body.message)"])
                if let refusal = Refusal(body, coordinatorProtocol: message.version) {
                    logger.critical("stopping: \(refusal.explanation(peer: "gateway", coordinator: endpoint))")
                    lock.withLock {
                        refusedBy = refusal
                        stopRequested = true
                    }
                }
            default:
                throw ProtocolError.malformed(message.command, "not sent to model subscribers")
            }
        } catch {
            logger.warning("cannot handle \(message.command): \(error)")
        }
    }

    /// Fetches `notice` when it is newer than what the replica holds and than any transfer under
    /// way (which it replaces); while an install runs, it waits its turn.
    private func consider(_ notice: ModelNotice) throws {
        let name = notice.modelName
        if names.isEmpty {
            names = [name]
            logger.info("following model \(name), the first one met (gateway --model NAME chooses)")
        }
        guard names.contains(name) else {
            if ignored.insert(name).inserted {
                logger.info("not following model \(name)", metadata: ["following": "\(names.joined(separator: ", "))"])
            }
            return
        }
        if notice.version < newest && !warnedBehind {
            warnedBehind = true
            logger.warning("the coordinator's newest model is older than this replica's: was its state reset?",
                           metadata: ["coordinator": "\(notice.version)", "replica": "\(newest)"])
        }
        guard notice.version > newest, refused.mayFetch(notice.xxh64, now: MonotonicClock.milliseconds()) else { return }
        if let installing {
            if notice.version > max(installing.version, announced?.version ?? 0) { announced = notice }
            return
        }
        if let transfer, transfer.notice.version >= notice.version { return }
        let partial = FileSystem.join(store.directory, notice.file + Self.partialSuffix)
        let fetch = try FileFetch(notice.fileRef, partialPath: partial, chunkBytes: chunkBytes, window: window)
        transfer = (notice, fetch)
        logger.info("fetching model", metadata: ["version": "\(notice.version)", "bytes": "\(notice.bytes)", "xxh64": "\(notice.xxh64)"])
        for request in fetch.requests() { try link.send(try Message(.fetch, request)) }
    }

    private func receive(_ chunk: ChunkBody, payload: [Frame]) throws {
        guard let (notice, fetch) = transfer, chunk.xxh64 == notice.xxh64 else { return }
        do {
            if let error = chunk.error { throw DataError(.io, file: notice.file, "the coordinator cannot serve it: \(error)") }
            guard payload.count == 1 else { throw DataError(.damaged, file: notice.file, "a CHUNK came without its data frame") }
            guard try fetch.accept(offset: chunk.offset, bytes: payload[0]) else {
                for request in fetch.requests() { try link.send(try Message(.fetch, request)) }
                return
            }
        } catch {
            transfer = nil
            refuse(notice, error)
            return
        }
        transfer = nil
        install(notice, from: fetch.partialPath)
    }

    // MARK: Installing

    private func install(_ notice: ModelNotice, from partial: String) {
        installing = notice
        let store = self.store, installed = self.installed
        installQueue.async { [self] in
            let outcome = Result { try store.install(partial, version: notice.version, createdAt: notice.createdAt, name: notice.modelName) }
            if case .success(let record) = outcome { installed(record) } else { unlink(partial) }
            lock.withLock { outcomes.append((notice, outcome)) }
        }
    }

    private func takeInstallOutcomes() {
        let done = lock.withLock { () -> [(notice: ModelNotice, outcome: Result<ModelRecord, Error>)] in
            defer { outcomes.removeAll() }
            return outcomes
        }
        for (notice, outcome) in done {
            installing = nil
            switch outcome {
            case .success(let record):
                refused.accepted(notice.xxh64)
                newest = max(newest, record.version)
                logger.info("model installed", metadata: ["version": "\(record.version)", "file": "\(record.file)"])
            case .failure(let error):
                refuse(notice, error)
            }
            if let next = announced {
                announced = nil
                do { try consider(next) } catch { logger.error("cannot fetch model version \(next.version): \(error)") }
            }
        }
    }

    private func refuse(_ notice: ModelNotice, _ error: Error) {
        let now = MonotonicClock.milliseconds()
        let retryAt = refused.refuse(notice.xxh64, now: now)
        let next = retryAt.map { "fetched again in \(($0 - now + 999) / 1000) s" } ?? "not fetched again until a newer version is published"
        logger.error("refused model version \(notice.version) from the coordinator; the current model keeps serving (\(next))",
                     metadata: ["error": "\(error)", "replica_newest": "\(newest)"])
    }
}
