import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation
import Logging

/// Options every cluster command shares: the configuration file and `--set` overrides.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "Cluster configuration (TOML; config/cluster.toml documents every key). Default: $CINEMESH_CONFIG, else built-in defaults.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set heartbeat.interval_ms=500 (repeatable).", valueName: "table.key=value"))
    var settings: [String] = []

    var configFile: String? { config ?? ProcessInfo.processInfo.environment["CINEMESH_CONFIG"] }

    /// The configuration: defaults < file < CINEMESH_* environment < `--set` < `extra` (from
    /// command-specific flags).
    func load(_ extra: [String] = []) throws -> ClusterConfig {
        try ClusterConfig.load(file: configFile, overrides: settings + extra)
    }
}

/// Where local clusters keep their files: $CINEMESH_HOME, else `.cinemesh`.
enum CineMeshHome {
    static var path: String { ProcessInfo.processInfo.environment["CINEMESH_HOME"] ?? ".cinemesh" }
    /// The lasting local cluster started by `cinemesh up`.
    static var cluster: String { FileSystem.join(path, "cluster") }
    static var datasets: String { FileSystem.join(path, "datasets") }
}

enum Logs {
    /// Structured logs to stderr at `level`.
    static func bootstrap(level: String) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
    }
}

/// The absolute path of this executable (children of local clusters run the same binary).
enum SelfBinary {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
