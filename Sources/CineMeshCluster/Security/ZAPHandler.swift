import CZeroMQ
import CineMeshData
import Foundation
import Logging
import Metrics

/// The coordinator's ZAP handler (RFC 27/ZAP): libzmq asks it about every CURVE handshake on the
/// coordinator's sockets, and it answers from the allow-list. The workers endpoint (ZAP domain
/// `workers`) lets worker keys in; the clients endpoint (`clients`) client and gateway keys. An
/// accepted connection's messages carry the user id `ROLE:NAME`, which the coordinator checks
/// before each request. A refused key is logged with its fingerprint, at a bounded rate per
/// address (a scanner making a new key per attempt still costs two lines per interval), and
/// counted in `cinemesh_peers_refused_total`.
///
/// The allow-list file is read again when it changes (checked at most once a second), so
/// `cinemesh keys allow` and `revoke` take effect without a restart; a list that no longer parses
/// keeps the previous one in force and is reported once.
final class ZAPHandler: @unchecked Sendable {
    /// Where libzmq sends ZAP requests, in the context of the sockets that authenticate.
    static let endpoint = "inproc://zeromq.zap.01"

    /// The roles each ZAP domain admits.
    static let domains: [String: Set<PeerRole>] = ["workers": [.worker], "clients": [.client, .gateway]]

    private let socket: ZMQSocket
    private let allowListPath: String
    private let logger: Logger
    private let refusedCounter = Counter(label: "cinemesh_peers_refused_total", dimensions: [("reason", "key")])
    private var allowList = AllowList()
    private var listStamp: (seconds: Int, nanoseconds: Int, size: Int64)?
    private var checkedAt: UInt64 = 0
    private var refusals = RefusalLog()
    private let stopLock = Lock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    /// Binds the handler in `context` and reads the allow-list (an unreadable list stops the
    /// coordinator at start-up). Must come before any socket of the context accepts CURVE.
    init(context: ZMQContext, allowListPath: String, logger: Logger) throws {
        self.allowListPath = allowListPath
        self.logger = logger
        socket = try ZMQSocket(context, .rep)
        try socket.bind(Self.endpoint)
        try reloadIfChanged(now: 0, force: true)
        logger.info("CURVE on: peers must be on the allow-list", metadata: ["allow_list": "\(allowListPath)",
                                                                            "keys": "\(allowList.entries.count)"])
    }

    /// Starts answering on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.name = "cinemesh.zap"
        thread.start()
    }

    /// Stops the thread and closes the socket (before the context ends).
    func stop() {
        stopLock.withLock { stopping = true }
        finished.wait()
    }

    private func serve() {
        while !stopLock.withLock({ stopping }) {
            do {
                if try ZMQPoll.readable([socket], timeoutMilliseconds: 100)[0], let request = try socket.receive(dontWait: true) {
                    try socket.send(answer(request))
                }
            } catch {
                logger.error("ZAP handler: \(error)")
            }
            for line in refusals.flush(now: MonotonicClock.milliseconds()) { log(line) }
        }
        socket.close()
    }

    /// The reply to one ZAP request (RFC 27: version, request id, status code and text, user
    /// id, metadata).
    func answer(_ request: [Frame]) -> [Frame] {
        func reply(_ code: String, _ text: String, user: String = "") -> [Frame] {
            [Array("1.0".utf8), request.count > 1 ? request[1] : [], Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
        }
        guard request.count >= 6, request[0] == Array("1.0".utf8) else { return reply("500", "malformed ZAP request") }
        let domain = String(decoding: request[2], as: UTF8.self)
        let address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        let now = MonotonicClock.milliseconds()
        try? reloadIfChanged(now: now, force: false)
        guard mechanism == "CURVE", request.count >= 7, let key = CurveKey(bytes: request[6]) else {
            refuse(peer: address, "\(mechanism) is not CURVE", now: now)
            return reply("400", "CURVE required")
        }
        guard let admitted = Self.domains[domain] else { return reply("400", "unknown ZAP domain") }
        guard let entry = allowList.entry(for: key) else {
            refuse(peer: address, "key \(key.fingerprint) is not on the allow-list (\(domain) endpoint)", now: now)
            return reply("400", "key not allowed")
        }
        guard admitted.contains(entry.role) else {
            refuse(peer: address, "key \(key.fingerprint) (\(entry.role.rawValue) \(entry.name)) is a \(entry.role.rawValue) key, on the \(domain) endpoint", now: now)
            return reply("400", "key not allowed on this endpoint")
        }
        return reply("200", "OK", user: "\(entry.role.rawValue):\(entry.name)")
    }

    private func refuse(peer: String, _ reason: String, now: UInt64) {
        refusedCounter.increment()
        if let line = refusals.record(peer: peer, reason: reason, now: now) { log(line) }
    }

    private func log(_ line: RefusalLog.Line) {
        if line.isSummary {
            logger.warning("refused more CURVE handshakes", metadata: ["peer": "\(line.peer)", "count": "\(line.count)", "reason": "\(line.reason)"])
        } else {
            logger.warning("refused a CURVE handshake", metadata: ["peer": "\(line.peer)", "reason": "\(line.reason)"])
        }
    }

    /// Reads the allow-list again when its file changed (or `force`); at most once a second.
    private func reloadIfChanged(now: UInt64, force: Bool) throws {
        guard force || now - min(now, checkedAt) >= 1000 else { return }
        checkedAt = now
        var st = stat()
        let stamp = stat(allowListPath, &st) == 0 ? (st.st_mtim.tv_sec, st.st_mtim.tv_nsec, Int64(st.st_size)) : (0, 0, -1)
        if !force, let old = listStamp, old == stamp { return }
        listStamp = stamp
        do {
            let list = try AllowList.read(allowListPath)
            if !force {
                logger.info("allow-list read again", metadata: ["allow_list": "\(allowListPath)", "keys": "\(list.entries.count)"])
            }
            allowList = list
        } catch {
            if force { throw error }
            logger.error("allow-list not reloaded, the previous one stays in force: \(error)")
        }
    }
}
