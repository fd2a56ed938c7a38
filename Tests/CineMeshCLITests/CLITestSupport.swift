import CineMeshCluster
import Foundation

/// The `cinemesh` binary built beside the test bundle (or `CINEMESH_BIN`).
let cinemeshBinary: String = {
    if let env = ProcessInfo.processInfo.environment["CINEMESH_BIN"], !env.isEmpty { return env }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("cinemesh").path
}()

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `cinemesh ARGS...` as a real process, with a time limit. Output goes through files, so a
/// chatty child can never block on a full pipe.
func cinemesh(_ args: [String], timeout: TimeInterval = 120, environment: [String: String] = [:]) throws -> RunResult {
    let base = "/tmp/cinemesh-cli-out-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: cinemeshBinary)
    p.arguments = args
    if !environment.isEmpty {
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus,
                     stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
}

final class Scratch {
    let path = "/tmp/cinemesh-cli-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String, _ text: String) -> String {
        let p = path + "/" + name
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
    func sub(_ name: String) -> String { path + "/" + name }
}

/// GET over a plain TCP socket (HTTP/1.0, so the server closes when done): the body as text.
func httpGet(host: String, port: Int, path: String) throws -> String {
    try http(host: host, port: port, path: path).body
}

/// A request over a plain TCP socket (GET, or POST with `body`): the status code and the body.
func http(host: String, port: Int, path: String, body: [UInt8]? = nil, contentType: String = "application/json") throws -> (status: Int, body: String) {
    let r = try httpResponse(host: host, port: port, path: path, body: body, contentType: contentType)
    return (r.status, r.body)
}

/// An HTTP answer: the status, the header lines as sent, the body.
struct HTTPAnswer {
    var status: Int
    var headers: [String]
    var body: String

    /// The value of header `name` (case-insensitive), if sent.
    func header(_ name: String) -> String? {
        headers.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }
}

/// `http` with extra request headers, answering the response headers too.
func httpResponse(host: String, port: Int, path: String, body: [UInt8]? = nil, contentType: String = "application/json",
                  headers: [String: String] = [:]) throws -> HTTPAnswer {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host, &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    var request: [UInt8]
    let extra = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined()
    if let body {
        request = Array("POST \(path) HTTP/1.0\r\nHost: \(host)\r\nConnection: close\r\n\(extra)Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    } else {
        request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\nConnection: close\r\n\(extra)\r\n".utf8)
    }
    var sent = 0
    while sent < request.count {
        let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[0 ..< n]
    }
    let text = String(decoding: response, as: UTF8.self)
    let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
    guard let split = text.range(of: "\r\n\r\n") else { return HTTPAnswer(status: status, headers: [], body: text) }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n").dropFirst().map { $0 }
    return HTTPAnswer(status: status, headers: lines, body: String(text[split.upperBound...]))
}

/// Starts `cinemesh gateway ARGS... --port 0` and waits until it listens; returns the process and
/// the port it bound.
func spawnGateway(_ arguments: [String], log: String) throws -> (ChildProcess, Int) {
    let gateway = try ChildProcess.spawn(name: "gateway", executable: cinemeshBinary, arguments: ["gateway"] + arguments + ["--port", "0"],
                                         log: log, detached: false)
    for _ in 0 ..< 400 {
        if let text = try? String(contentsOfFile: log, encoding: .utf8),
           let range = text.range(of: "gateway listening on http://127.0.0.1:"),
           let port = Int(text[range.upperBound...].prefix { $0.isNumber }) {
            return (gateway, port)
        }
        usleep(25_000)
    }
    gateway.signal(SIGKILL)
    throw JobError("the gateway did not start: \(gateway.logTail())")
}
