import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation

/// `cinemesh keys`: CURVE key pairs and the coordinator's allow-list (docs/SECURITY.md).
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make CURVE keys and edit the coordinator's allow-list.",
        discussion: """
        Every box gets the key of its role: the coordinator box `--role coordinator` (its public \
        coordinator.key then goes to every other box), each worker box `--role worker`, each \
        client `--role client`, each gateway `--role gateway`. On the coordinator box, \
        `cinemesh keys allow` adds a peer's public key to allow.list in security.keys_dir; the \
        running coordinator reads the list again within a second.
        """,
        subcommands: [Generate.self, Allow.self, Revoke.self, List.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key pair: DIR/ROLE.key (public) and DIR/ROLE.key_secret (mode 0600).")

        @Option(help: "coordinator, worker, client or gateway.")
        var role: String

        @Option(help: "The directory for the key files (security.keys_dir on that box).")
        var out: String

        @Option(help: "The name the allow-list and logs show for this key. Default: this host's name.")
        var name: String?

        @Flag(help: "Replace key files that exist (peers holding the old public key must be given the new one).")
        var force = false

        func run() throws {
            try reportingErrors {
                let role = try parseRole(role)
                let paths = try KeyFile.generate(role: role, name: name ?? ProcessInfo.processInfo.hostName, in: out, replacing: force)
                let key = try KeyFile.read(paths.publicPath, secret: false)
                print("public key \(key.publicKey.z85)")
                print("wrote \(paths.publicPath) (public) and \(paths.secretPath) (secret, mode 0600)")
                if role == .coordinator {
                    print("copy \(KeyFile.publicName(.coordinator)) into security.keys_dir on every worker, client and gateway box")
                } else {
                    print("on the coordinator box: cinemesh keys allow \(KeyFile.publicName(role)) (or cinemesh keys allow --role \(role.rawValue) --name \(key.name) -- '\(key.publicKey.z85)')")
                }
            }
        }
    }

    struct Allow: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a peer's public key in: add it to the allow-list.")

        @Argument(help: "A public key file (ROLE.key) or the key itself (40 Z85 characters).")
        var key: String

        @Option(help: "worker, client or gateway (default: the key file's).")
        var role: String?

        @Option(help: "The name to show (default: the key file's).")
        var name: String?

        @Flag(help: "Remove other keys of the same role and name (a box that made a new key; cinemesh cluster up uses it).")
        var replace = false

        @OptionGroup var list: ListOptions

        func run() throws {
            try reportingErrors {
                var entry: AllowList.Entry
                if let z85 = CurveKey(z85: key) {
                    guard let role, let name else { throw DataError(.usage, "a bare key needs --role and --name") }
                    entry = AllowList.Entry(role: try parseRole(role), key: z85, name: name)
                } else {
                    let file = try KeyFile.read(key, secret: false)
                    entry = AllowList.Entry(role: file.role, key: file.publicKey, name: name ?? file.name)
                    if let role { entry.role = try parseRole(role) }
                }
                guard entry.role != .coordinator else { throw DataError(.usage, "the allow-list holds worker, client and gateway keys, not the coordinator's") }
                let path = try list.path()
                var allowList = try AllowList.read(path)
                allowList.allow(entry, replacingName: replace)
                try allowList.write(to: path)
                print("allowed \(entry.role.rawValue) \(entry.name) (\(entry.key.fingerprint)…) in \(path)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key (or every key of a name) from the allow-list.",
                                                        discussion: "Connections already open stay open until they drop; restart the coordinator to cut them at once.")

        @Argument(help: "The public key, or the name it was allowed under.")
        var keyOrName: String

        @OptionGroup var list: ListOptions

        func run() throws {
            try reportingErrors {
                let path = try list.path()
                var allowList = try AllowList.read(path)
                let removed = allowList.revoke(keyOrName)
                guard removed > 0 else { throw DataError(.usage, file: path, "no key or name '\(keyOrName)' in the allow-list") }
                try allowList.write(to: path)
                print("revoked \(removed) key\(removed == 1 ? "" : "s") from \(path)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the allow-list.")

        @OptionGroup var list: ListOptions

        func run() throws {
            try reportingErrors {
                let path = try list.path()
                let allowList = try AllowList.read(path)
                if allowList.entries.isEmpty { print("no keys allowed in \(path)"); return }
                for e in allowList.entries { print("\(Terminal.pad(e.role.rawValue, 8)) \(e.key.z85)  \(e.name)") }
            }
        }
    }

    /// Where the allow-list is: `--list`, else allow.list in security.keys_dir.
    struct ListOptions: ParsableArguments {
        @Option(name: .customLong("list"), help: "The allow-list file (default: allow.list in security.keys_dir).")
        var file: String?

        @OptionGroup var cluster: ClusterOptions

        func path() throws -> String {
            if let file { return file }
            let config = try cluster.load()
            guard !config.securityKeysDirectory.isEmpty else {
                throw DataError(.usage, "no allow-list: pass --list FILE or set security.keys_dir")
            }
            return FileSystem.join(config.securityKeysDirectory, ClusterSecurity.allowListName)
        }
    }
}

private func parseRole(_ text: String) throws -> PeerRole {
    guard let role = PeerRole(rawValue: text) else {
        throw DataError(.usage, "unknown role '\(text)' (coordinator, worker, client or gateway)")
    }
    return role
}
