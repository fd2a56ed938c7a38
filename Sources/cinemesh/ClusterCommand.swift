import ArgumentParser
import CineMeshData
import CineMeshLaunch
import Foundation

/// `cinemesh cluster up|status|down --hosts FILE`: a cluster on several boxes over the system's
/// ssh (docs/DEPLOY.md, "The launcher").
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Install, start, check and stop a cluster on the boxes of a hosts file, over ssh.",
        discussion: """
        The hosts file (config/hosts.toml is an example) lists the boxes, their roles and how ssh \
        reaches them. `up` copies the package to each box, installs the binary and the systemd units, \
        makes each box's CURVE keys there and lets them in on the coordinator, writes each \
        /etc/cinemesh/cluster.toml, starts the units and waits until every worker has registered. \
        Run it again after editing the hosts file: it changes only what differs.
        """,
        subcommands: [Up.self, Status.self, Down.self]
    )

    struct HostsOptions: ParsableArguments {
        @Option(help: "The hosts file (TOML; config/hosts.toml documents every key).")
        var hosts: String

        func launcher() throws -> Launcher {
            // One write per line: the boxes' steps report from threads of their own.
            Launcher(hosts: try ClusterHosts.load(hosts)) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install and start the cluster; wait until every worker has registered.")

        @OptionGroup var options: HostsOptions

        @Option(help: "The package to install (deploy/package.sh). Default: cluster.package in the hosts file.")
        var package: String?

        func run() throws {
            try reportingErrors {
                let launcher = try options.launcher()
                guard let package = package ?? launcher.hosts.package else {
                    throw DataError(.usage, file: options.hosts, "no package: set cluster.package or pass --package (deploy/package.sh makes one)")
                }
                _ = try launcher.up(package: package)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each box's role, version and health; exit 1 unless all are healthy.")

        @OptionGroup var options: HostsOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                let status = ClusterStatus.gather(try options.launcher())
                if json {
                    print(String(decoding: try JSON.encode(status), as: UTF8.self))
                } else {
                    print(status.table)
                }
                if !status.healthy { throw ExitCode(1) }
            }
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and disable the units on every box (gateways and workers first); keys, configuration and data stay.")

        @OptionGroup var options: HostsOptions

        func run() throws {
            try reportingErrors { try options.launcher().down() }
        }
    }
}
