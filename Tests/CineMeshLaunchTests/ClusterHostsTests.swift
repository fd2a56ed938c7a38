import CineMeshCluster
@testable import CineMeshLaunch
import Testing

/// The hosts file: what it holds, and errors that name the line at fault.
@Suite struct ClusterHostsTests {
    static let good = """
        [cluster]
        package = "dist/cinemesh.tar.gz"
        gateway_port = 9090

        [ssh]
        user = "deploy"
        identity = "keys/id_ed25519"
        options = ["StrictHostKeyChecking=accept-new"]

        [config]
        heartbeat.interval_ms = 500

        [hosts.a]
        address = "10.0.0.1"
        roles = ["gateway", "coordinator"]

        [hosts.b]
        address = "10.0.0.2"
        roles = ["worker"]
        config.transfer.window = 8
        """

    func error(_ text: String) -> String {
        do {
            _ = try ClusterHosts(parsing: text, file: "/etc/hosts.toml")
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func aGoodFileGivesBoxesInOrderWithPathsFromItsFolder() throws {
        let hosts = try ClusterHosts(parsing: Self.good, file: "/srv/cluster/hosts.toml")
        #expect(hosts.boxes.map(\.name) == ["a", "b"])
        #expect(hosts.coordinator.name == "a")
        #expect(hosts.coordinator.roles == [.coordinator, .gateway])
        #expect(hosts.boxes(running: .worker).map(\.name) == ["b"])
        #expect(hosts.package == "/srv/cluster/dist/cinemesh.tar.gz")
        #expect(hosts.ssh.identity == "/srv/cluster/keys/id_ed25519")
        #expect(hosts.ssh.needsSudo)
        #expect(hosts.ports.gateway == 9090 && hosts.ports.workers == 7700)
        #expect(hosts.config.map(\.key) == ["heartbeat.interval_ms"])
        #expect(hosts.boxes[1].config.map(\.key) == ["transfer.window"])
    }

    @Test func theExampleInConfigIsAValidHostsFile() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/CineMeshLaunchTests/ClusterHostsTests.swift", with: "config/hosts.toml")
        let hosts = try ClusterHosts.load(path)
        #expect(hosts.boxes.map(\.name) == ["a", "b", "c"])
        #expect(hosts.package?.hasSuffix("config/../dist/cinemesh-0.1.0-linux-x86_64.tar.gz") == true)
        #expect(hosts.ssh.options == ["StrictHostKeyChecking=accept-new"] && !hosts.ssh.needsSudo)
    }

    @Test func errorsNameTheLineAndTheFix() {
        #expect(error(Self.good.replacingOccurrences(of: "gateway_port", with: "gateway_prot"))
            .hasPrefix("/etc/hosts.toml:3: unknown key 'cluster.gateway_prot' (known keys: cluster.package"))
        #expect(error(Self.good.replacingOccurrences(of: "[\"worker\"]", with: "[\"wrker\"]"))
            .hasPrefix("/etc/hosts.toml:19: 'hosts.b.roles': unknown role"))
        #expect(error(Self.good.replacingOccurrences(of: "10.0.0.2", with: "10.0.0.1"))
            == "/etc/hosts.toml:18: box 'b' has the address of box 'a' (10.0.0.1): one table per box, with all its roles")
        #expect(error(Self.good.replacingOccurrences(of: "[\"worker\"]", with: "[\"worker\", \"coordinator\"]"))
            == "/etc/hosts.toml: boxes a, b all have the coordinator role: a cluster has one")
        #expect(error(Self.good.replacingOccurrences(of: "[\"worker\"]", with: "[\"gateway\"]")) == "/etc/hosts.toml: no box has the worker role")
        #expect(error(Self.good.replacingOccurrences(of: "[hosts.b]", with: "[hosts.\"b c\"]"))
            .contains("box name 'b c' must be letters, digits"))
        #expect(error(Self.good + "\n[hosts.c]\nroles = [\"worker\"]\n") == "/etc/hosts.toml: box 'c' has no address")
        #expect(error(Self.good.replacingOccurrences(of: "[\"StrictHostKeyChecking=accept-new\"]", with: "[\"-oProxyCommand=x\"]"))
            .hasPrefix("/etc/hosts.toml:8: 'ssh.options' must hold \"Name=value\" strings"))
    }

    @Test func clusterSettingsAreCheckedAsTheBoxesWillLoadThem() {
        // A key cluster.toml does not know, a value out of range, a key the launcher owns.
        #expect(error(Self.good.replacingOccurrences(of: "heartbeat.interval_ms = 500", with: "heartbeat.interval = 500"))
            .hasPrefix("/etc/hosts.toml:11: unknown key 'heartbeat.interval' (known keys: heartbeat.interval_ms"))
        #expect(error(Self.good.replacingOccurrences(of: "config.transfer.window = 8", with: "config.transfer.window = 999"))
            == "/etc/hosts.toml:20: 'transfer.window' must be between 1 and 64, not 999")
        #expect(error(Self.good.replacingOccurrences(of: "heartbeat.interval_ms = 500", with: "worker.id = \"w\""))
            .hasPrefix("/etc/hosts.toml:11: 'worker.id' is set by cinemesh cluster from the hosts file"))
        #expect(error(Self.good.replacingOccurrences(of: "config.transfer.window = 8", with: "config.worker.coordinator = \"10.0.0.1:7700\""))
            .contains("box 'b': worker.coordinator: '10.0.0.1:7700' is not a ZeroMQ endpoint"))
    }
}
