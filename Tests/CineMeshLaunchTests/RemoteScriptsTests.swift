import CineMeshCluster
import CineMeshData
@testable import CineMeshLaunch
import Foundation
import Testing

/// The scripts and files the launcher puts on a box, run here with the local `sh` where they touch
/// only what a test may (a scratch folder), and the cluster.toml each box gets, loaded as the box
/// loads it.
@Suite struct RemoteScriptsTests {
    func sh(_ script: String) throws -> SSH.Output {
        try Subprocess.run("sh", ["-s"], input: script, timeout: 30)
    }

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cinemesh-launch-\(UUID().uuidString)").path
        try FileSystem.makeDirectories(dir)
        return dir
    }

    @Test func quotedWordsReachTheProgramUnchanged() throws {
        for word in ["plain", "it's", "a b", "$(touch /tmp/x)", "`x`", "\\'\"", "", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"] {
            let output = try sh("printf '%s' \(RemoteScripts.quote(word))\n")
            #expect(output.stdout == word)
        }
    }

    @Test func writeReplacesAFileWholeAndSaysWhetherItChanged() throws {
        let dir = try scratch()
        defer { FileSystem.removeTree(dir) }
        let path = dir + "/it's.toml"
        let text = "a = \"$HOME `x`\"\nCINEMESH_END\nlast line\n"
        let first = try sh("set -eu\nchanged=\"\"\n" + RemoteScripts.write(text, to: path, mode: "640", label: "config") + "echo \"changed=$changed\"\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.fields["changed"] == " config")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
        let again = try sh("set -eu\nchanged=\"\"\n" + RemoteScripts.write(text, to: path, mode: "640", label: "config") + "echo \"changed=$changed\"\n")
        #expect(again.fields["changed"] == "")
        #expect(try FileSystem.list(dir) == ["it's.toml"])   // no .new left behind
    }

    @Test func eachBoxGetsAClusterTomlItsRolesNeedAndTheBoxLoadsIt() throws {
        let hosts = try ClusterHosts(parsing: ClusterHostsTests.good, file: "hosts.toml")
        let dir = try scratch()
        defer { FileSystem.removeTree(dir) }
        for box in hosts.boxes {
            let settings = ClusterSettings(hosts: hosts, box: box)
            let path = "\(dir)/\(box.name).toml"
            try settings.text.write(toFile: path, atomically: true, encoding: .utf8)
            let loaded = try ClusterConfig.load(file: path, environment: [:])
            #expect(loaded == (try settings.checked()))
            #expect(loaded.securityKeysDirectory == "/etc/cinemesh/keys")
            #expect(loaded.clientCoordinator == "tcp://10.0.0.1:7701")
            #expect(loaded.heartbeatIntervalMilliseconds == 500)
        }
        let a = try ClusterConfig.load(file: "\(dir)/a.toml", environment: [:])
        #expect(a.coordinatorWorkersEndpoint == "tcp://10.0.0.1:7700")
        #expect(a.gatewayPort == 9090 && a.gatewayTokenFile == "/etc/cinemesh/gateway.token")
        let b = try ClusterConfig.load(file: "\(dir)/b.toml", environment: [:])
        #expect(b.workerId == "b" && b.workerCoordinator == "tcp://10.0.0.1:7700" && b.transferWindow == 8)
        #expect(!ClusterSettings(hosts: hosts, box: hosts.boxes[1]).text.contains("gateway."))
    }

    @Test func theFileDoesNotDependOnWhereTheLauncherRuns() throws {
        // An unchanged cluster.toml is what leaves a box's units running on the next `up`.
        let here = try ClusterHosts(parsing: ClusterHostsTests.good, file: "/home/ops/hosts.toml")
        let there = try ClusterHosts(parsing: ClusterHostsTests.good, file: "/srv/cluster/prod.toml")
        for (a, b) in zip(here.boxes, there.boxes) {
            #expect(ClusterSettings(hosts: here, box: a).text == ClusterSettings(hosts: there, box: b).text)
        }
    }

    @Test func aBoxsOwnSettingOverridesWhatTheLauncherDerives() throws {
        let text = ClusterHostsTests.good.replacingOccurrences(of: "roles = [\"gateway\", \"coordinator\"]",
                                                                with: "roles = [\"coordinator\"]\nconfig.coordinator.workers_endpoint = \"tcp://0.0.0.0:7700\"")
        let hosts = try ClusterHosts(parsing: text, file: "hosts.toml")
        let settings = ClusterSettings(hosts: hosts, box: hosts.coordinator)
        #expect(try settings.checked().coordinatorWorkersEndpoint == "tcp://0.0.0.0:7700")
        #expect(settings.text.components(separatedBy: "coordinator.workers_endpoint").count == 2)   // once
        // Workers still connect to the address in the hosts file.
        #expect(try ClusterSettings(hosts: hosts, box: hosts.boxes[1]).checked().workerCoordinator == "tcp://10.0.0.1:7700")
    }

    @Test func ipv6AddressesGoInBrackets() {
        #expect(ClusterSettings.endpoint("fd00::1", 7700) == "tcp://[fd00::1]:7700")
        #expect(ClusterSettings.endpoint("box-a", 7700) == "tcp://box-a:7700")
    }

    @Test func noScriptReadsASecretKey() throws {
        let hosts = try ClusterHosts(parsing: ClusterHostsTests.good, file: "hosts.toml")
        for box in hosts.boxes {
            let key = CurveKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")!
            let scripts = [RemoteScripts.probe(package: "p.tar.gz"), RemoteScripts.install(package: "p.tar.gz", sha256: "0", installDependencies: true),
                           RemoteScripts.keys(box: box), RemoteScripts.allow([("worker", key.z85, "b")]),
                           RemoteScripts.configure(ClusterSettings(hosts: hosts, box: box), coordinatorKey: KeyFile(role: .coordinator, name: "a", publicKey: key).publicText),
                           RemoteScripts.start(box: box, roles: BoxRole.allCases, restart: true), RemoteScripts.stop(box: box, roles: BoxRole.allCases),
                           RemoteScripts.status(box: box), RemoteScripts.workers]
            for script in scripts {
                // A secret file may be named (to chown it), never read: no cat, sed, cp or scp of one.
                for line in script.split(separator: "\n") where line.contains("key_secret") {
                    #expect(line.contains("chown") || line.contains("[ ! -f"), "\(line)")
                }
                let syntax = try Subprocess.run("sh", ["-n"], input: script, timeout: 10)
                #expect(syntax.status == 0, "\(syntax.stderr)")
            }
        }
    }

    /// ssh ends its warning with "\r\n", which Swift reads as one Character: the box's own words
    /// after it used to vanish with the warning.
    @Test func theReasonKeepsTheBoxsWordsAfterSshsWarning() {
        let out = SSH.Output(status: 77, stdout: "", stderr: "Warning: Permanently added '10.0.0.1' (ED25519) to the list of known hosts.\r\nplain is not root\n")
        #expect(SSH.reason(out) == "plain is not root")
        #expect(SSH.reason(SSH.Output(status: 255, stdout: "", stderr: "")).hasPrefix("ssh could not reach it: exit 255 and no message"))
        #expect(SSH.Output(status: 0, stdout: "a=1\r\nb=x=y\n\n", stderr: "").fields == ["a": "1", "b": "x=y"])
    }

    @Test func aCommandThatOutlivesItsTimeIsKilled() throws {
        let started = Date()
        let output = try Subprocess.run("sh", ["-c", "echo started; exec sleep 20"], input: nil, timeout: 0.5)
        #expect(output.status == 124)
        #expect(output.stdout == "started\n")
        #expect(output.stderr.contains("no answer within"))
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
