import CineMeshData
import Foundation

/// The system's `ssh` and `scp`, as `cinemesh cluster` reaches the boxes: batch mode (a key or an
/// agent, never a password prompt), the hosts file's user, port, identity and options. A script
/// runs as `sh -s` fed on standard input, so nothing in it passes through a remote shell's
/// quoting; through `sudo -n` when the user is not root.
public struct SSH: Sendable {
    /// What a remote command or a copy gave back.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// `key=value` lines of stdout, the way the remote scripts report (the first `=` splits).
        public var fields: [String: String] {
            var fields: [String: String] = [:]
            for line in stdout.split(whereSeparator: \.isNewline) {
                guard let eq = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return fields
        }
    }

    /// A box that could not be reached, or a step that failed on it.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var box: String
        public var step: String
        public var message: String

        public var description: String { "box \(box): \(step): \(message)" }
    }

    public let settings: ClusterHosts.SSH
    /// The `ssh` and `scp` programs (found on PATH by default).
    public var sshProgram = "ssh"
    public var scpProgram = "scp"

    public init(_ settings: ClusterHosts.SSH) {
        self.settings = settings
    }

    /// The options ssh and scp share; `portFlag` is -p for ssh, -P for scp.
    func options(portFlag: String) -> [String] {
        var args = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=\(settings.connectTimeout)",
                    "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4", portFlag, String(settings.port)]
        if let identity = settings.identity { args += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        for option in settings.options { args += ["-o", option] }
        return args
    }

    func destination(_ box: ClusterHosts.Box) -> String {
        let host = box.address.contains(":") ? "[\(box.address)]" : box.address
        return "\(settings.user)@\(host)"
    }

    /// Runs `script` on `box` with `sh`; `privileged` adds `sudo -n` for a user other than root.
    /// Gives up after `timeout` seconds. A connection ssh could not make or that closed (exit
    /// 255) is tried again after 1 s and 3 s: a box that is busy starting services, or a network
    /// that drops one packet, should not fail a whole `up`. Every script is safe to run again.
    public func run(_ script: String, on box: ClusterHosts.Box, privileged: Bool = true, timeout: Double = 600) throws -> Output {
        var remote = ["sh", "-s"]
        if privileged && settings.needsSudo { remote = ["sudo", "-n", "--"] + remote }
        // `--` ends ssh's options; the remote words are fixed, never a shell string of ours.
        let args = options(portFlag: "-p") + ["--", destination(box)] + remote
        var output = try Subprocess.run(sshProgram, args, input: script, timeout: timeout)
        for pause in Self.retryPauses where output.status == 255 {
            Thread.sleep(forTimeInterval: pause)
            output = try Subprocess.run(sshProgram, args, input: script, timeout: timeout)
        }
        return output
    }

    /// Seconds between attempts when ssh exits 255.
    static let retryPauses: [Double] = [1, 3]

    /// Copies a local file to `remotePath` on `box` (scp).
    /// Retried like `run` when the connection fails.
    public func copy(_ local: String, to remotePath: String, on box: ClusterHosts.Box, timeout: Double = 1800) throws -> Output {
        let args = ["-q"] + options(portFlag: "-P") + ["--", local, "\(destination(box)):\(remotePath)"]
        var output = try Subprocess.run(scpProgram, args, input: nil, timeout: timeout)
        for pause in Self.retryPauses where output.status == 255 {
            Thread.sleep(forTimeInterval: pause)
            output = try Subprocess.run(scpProgram, args, input: nil, timeout: timeout)
        }
        return output
    }

    /// What ssh said when it failed to reach the box (exit 255), or the script's own words.
    public static func reason(_ output: Output) -> String {
        let text = output.stderr.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("Warning: Permanently added") }.joined(separator: "\n")
        let said = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if output.status == 255 {
            return "ssh could not reach it: " + (said.isEmpty
                ? "exit 255 and no message (an ssh option such as LogLevel may silence it; `ssh -v` to the box says why)" : said)
        }
        return said.isEmpty ? "exit status \(output.status)" : said
    }
}

/// A program run to its end with its input given and its output captured.
enum Subprocess {
    static func run(_ program: String, _ arguments: [String], input: String?, timeout: Double) throws -> SSH.Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            throw DataError(.io, "cannot run \(program): \(error)")
        }
        // Both outputs drain on threads of their own, so neither pipe fills while the other is read.
        let out = Drain(stdout.fileHandleForReading), err = Drain(stderr.fileHandleForReading)
        if let input {
            let writer = stdin.fileHandleForWriting
            try? writer.write(contentsOf: Data(input.utf8))
            try? writer.close()
        }
        let watchdog = Watchdog(process, after: timeout)
        process.waitUntilExit()
        watchdog.cancel()
        var status = process.terminationStatus
        if watchdog.fired { status = 124 }
        let output = SSH.Output(status: status, stdout: out.wait(), stderr: err.wait())
        if watchdog.fired {
            return SSH.Output(status: 124, stdout: output.stdout, stderr: output.stderr + "\n\(program) gave no answer within \(Int(timeout)) s")
        }
        return output
    }

    /// Reads a pipe to its end on a thread of its own.
    private final class Drain: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Kills the process if it outlives its time.
    private final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private var cancelled = false
        private var killed = false

        /// Whether it had to kill the process.
        var fired: Bool {
            lock.lock()
            defer { lock.unlock() }
            return killed
        }

        init(_ process: Process, after seconds: Double) {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                lock.lock()
                defer { lock.unlock() }
                guard !cancelled else { return }
                killed = true
                kill(pid, SIGKILL)
            }
        }

        func cancel() {
            lock.lock()
            cancelled = true
            lock.unlock()
        }
    }
}
