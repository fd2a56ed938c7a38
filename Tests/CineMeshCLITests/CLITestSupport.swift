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
func cinemesh(_ args: [String], timeout: TimeInterval = 120) throws -> RunResult {
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
