@testable import CineMeshCluster
import CineMeshData
import Foundation
import Testing

@Suite struct SecurityTests {
    func scratch() -> String {
        let dir = "/tmp/cinemesh-security-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try! FileSystem.makeDirectories(dir)
        return dir
    }

    @Test func keyFilesRoundTripAndTheSecretIsTheOwnersAlone() throws {
        let dir = scratch()
        defer { FileSystem.removeTree(dir) }
        let paths = try KeyFile.generate(role: .worker, name: "box \"2\"", in: dir)
        let secret = try KeyFile.read(paths.secretPath, secret: true)
        let pub = try KeyFile.read(paths.publicPath, secret: false)
        #expect(secret.role == .worker && secret.name == "box \"2\"" && secret.publicKey == pub.publicKey && pub.secretKey == nil)
        #expect(try CurveKeyPair(secretKey: #require(secret.secretKey)).publicKey == pub.publicKey)
        #expect(!(try String(contentsOfFile: paths.publicPath, encoding: .utf8)).contains(secret.secretKey!.z85))
        var st = stat()
        stat(paths.secretPath, &st)
        #expect(st.st_mode & 0o777 == 0o600)
        // An existing pair is not replaced by accident.
        #expect(throws: DataError.self) { try KeyFile.generate(role: .worker, name: "again", in: dir) }
        // A secret others may read is refused, naming the file and the fix.
        chmod(paths.secretPath, 0o644)
        let loose = #expect(throws: DataError.self) { try KeyFile.read(paths.secretPath, secret: true) }
        #expect(loose?.description == "\(paths.secretPath): the secret key is readable by others (mode 644): run chmod 600 on it")
        chmod(paths.secretPath, 0o600)
        // A public key that is not the secret's half is refused.
        let other = try CurveKeyPair.generate()
        let text = try String(contentsOfFile: paths.secretPath, encoding: .utf8).replacingOccurrences(of: pub.publicKey.z85, with: other.publicKey.z85)
        try AtomicFile.write(Array(text.utf8), to: paths.secretPath, mode: 0o600)
        #expect(throws: DataError.self) { try KeyFile.read(paths.secretPath, secret: true) }
        // A secret key never shows in a description.
        #expect("\(other.secretKey)" == "<CURVE key>")
    }

    @Test func z85KeysAreCheckedAndConvertedFromBytes() throws {
        let pair = try CurveKeyPair.generate()
        #expect(CurveKey(z85: pair.publicKey.z85) == pair.publicKey)
        #expect(CurveKey(z85: String(pair.publicKey.z85.dropLast())) == nil)
        #expect(CurveKey(z85: String(pair.publicKey.z85.dropLast()) + "~") == nil)
        #expect(CurveKey(z85: String(repeating: "0", count: 40)) != nil)
        #expect(CurveKey(bytes: [UInt8](repeating: 0, count: 32))?.z85 == String(repeating: "0", count: 40))
        #expect(CurveKey(bytes: [1, 2, 3]) == nil)
    }

    @Test func allowListsParseWithLineErrorsAndEditByKeyOrName() throws {
        let a = try CurveKeyPair.generate().publicKey, b = try CurveKeyPair.generate().publicKey
        var list = try AllowList(parsing: "# comment\n\nworker \(a.z85)  box 2\n  client\t\(b.z85) alice\n", file: "allow.list")
        #expect(list.entries == [.init(role: .worker, key: a, name: "box 2"), .init(role: .client, key: b, name: "alice")])
        #expect(try AllowList(parsing: list.text, file: "x") == list)
        #expect(list.entry(for: b)?.name == "alice")
        list.allow(.init(role: .gateway, key: b, name: "gw"))
        #expect(list.entries.count == 2 && list.entry(for: b)?.role == .gateway)
        // A box that made a new key: replacingName drops its old key of that role, not its other roles'.
        let c = try CurveKeyPair.generate().publicKey
        list.allow(.init(role: .client, key: c, name: "box 2"))
        list.allow(.init(role: .worker, key: c, name: "box 2"), replacingName: true)
        #expect(list.entries.map(\.name) == ["gw", "box 2"] && list.entry(for: a) == nil && list.entry(for: c)?.role == .worker)
        list.allow(.init(role: .worker, key: a, name: "box 2"))
        #expect(list.revoke("box 2") == 2 && list.revoke(b.z85) == 1 && list.entries.isEmpty)
        let bad = #expect(throws: DataError.self) { try AllowList(parsing: "worker \(a.z85) w\ncoordinator \(b.z85) c\n", file: "allow.list") }
        #expect(bad?.description == "allow.list:2: unknown role 'coordinator' (worker, client or gateway)")
        let short = #expect(throws: DataError.self) { try AllowList(parsing: "\n\nworker abc w\n", file: "allow.list") }
        #expect(short?.description == "allow.list:3: 'abc' is not a CURVE public key (40 Z85 characters)")
        #expect(throws: DataError.self) { try AllowList(parsing: "worker \(a.z85)\n", file: "allow.list") }
    }

    @Test func refusalsAreLoggedOncePerPeerAndIntervalWithACount() {
        var log = RefusalLog(intervalMilliseconds: 1000, maximumPeers: 2)
        #expect(log.record(peer: "a", reason: "garbage", now: 0) == .init(peer: "a", reason: "garbage", count: 1, isSummary: false))
        for t in 1 ... 500 { #expect(log.record(peer: "a", reason: "garbage \(t)", now: UInt64(t)) == nil) }
        #expect(log.record(peer: "b", reason: "x", now: 10) != nil)
        // A third peer is counted with every other one past the limit.
        #expect(log.record(peer: "c", reason: "y", now: 10)?.peer == "other peers")
        #expect(log.record(peer: "d", reason: "z", now: 11) == nil)
        #expect(log.flush(now: 999).isEmpty)
        #expect(log.flush(now: 1011) == [.init(peer: "a", reason: "garbage 500", count: 500, isSummary: true),
                                        .init(peer: "other peers", reason: "z", count: 1, isSummary: true)])
        // The next interval starts with a line again.
        #expect(log.record(peer: "a", reason: "again", now: 1200)?.isSummary == false)
    }

    @Test func plainTCPIsForLoopbackOnly() throws {
        for local in ["tcp://127.0.0.1:7700", "tcp://127.0.0.9:1", "tcp://localhost:7700", "tcp://[::1]:7700", "ipc:///tmp/x", "inproc://y"] {
            #expect(ClusterSecurity.isLocal(local), "\(local)")
        }
        for remote in ["tcp://0.0.0.0:7700", "tcp://*:7700", "tcp://10.0.0.1:7700", "tcp://box2:7700", "tcp://127.0.0.1;10.0.0.1:7700"] {
            #expect(!ClusterSecurity.isLocal(remote), "\(remote)")
        }
        var config = ClusterConfig()
        #expect(try ClusterSecurity.server(config) == nil)
        config.coordinatorWorkersEndpoint = "tcp://0.0.0.0:7700"
        let error = #expect(throws: ConfigError.self) { try ClusterSecurity.server(config) }
        #expect(error?.description.contains("needs CURVE: set security.keys_dir") == true, "\(String(describing: error))")
        #expect(throws: ConfigError.self) { try ClusterSecurity.client(ClusterConfig(), role: .worker, endpoint: "tcp://10.0.0.1:7700") }
    }

    @Test func aKeysDirectoryGivesEachRoleItsKeysAndNamesWhatIsMissing() throws {
        let dir = scratch()
        defer { FileSystem.removeTree(dir) }
        var config = ClusterConfig()
        config.securityKeysDirectory = dir
        let missing = #expect(throws: DataError.self) { try ClusterSecurity.server(config) }
        #expect(missing?.file == FileSystem.join(dir, "coordinator.key_secret"))
        try KeyFile.generate(role: .coordinator, name: "c", in: dir)
        try KeyFile.generate(role: .worker, name: "w", in: dir)
        let server = try #require(try ClusterSecurity.server(config))
        #expect(server.allowListPath == FileSystem.join(dir, "allow.list"))
        let client = try #require(try ClusterSecurity.client(config, role: .worker, endpoint: "tcp://10.0.0.1:7700"))
        #expect(client.serverKey == server.keys.publicKey && client.role == .worker)
        #expect(throws: DataError.self) { try ClusterSecurity.client(config, role: .gateway, endpoint: "tcp://10.0.0.1:7701") }
    }

    @Test func underCURVEJobSpecsNameDatasetsNotPaths() throws {
        let open = JobContext(modelsDirectory: "/m", datasetsDirectory: "/d")
        #expect(try open.path(of: "ml") == "/d/ml")
        #expect(try open.path(of: "/data/ml") == "/data/ml")
        #expect(throws: JobError.self) { try open.path(of: "../etc") }
        let strict = JobContext(modelsDirectory: "/m", datasetsDirectory: "/d", namesOnly: true)
        #expect(try strict.path(of: "ml") == "/d/ml")
        for path in ["/data/ml", "a/../../etc", ".."] {
            #expect(throws: JobError.self, "\(path)") { try strict.path(of: path) }
        }
    }
}
