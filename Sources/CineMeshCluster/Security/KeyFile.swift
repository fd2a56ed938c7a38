import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

/// A CURVE key pair on disk, as `cinemesh keys generate` writes it: `ROLE.key` holds the public
/// half (hand it to whoever must allow or trust it) and `ROLE.key_secret` the pair, readable by
/// its owner only. Both are TOML:
///
///     # CineMesh CURVE key of a worker (docs/SECURITY.md)
///     role = "worker"
///     name = "box2"
///     public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
///     secret_key = "..."          (ROLE.key_secret only)
///
/// A secret file that its group or others may read is refused, as ssh refuses such a private key.
public struct KeyFile: Sendable, Equatable {
    public var role: PeerRole
    /// Who holds it (a host name by default), shown in allow-lists and logs.
    public var name: String
    public var publicKey: CurveKey
    /// Present in a `.key_secret` file only.
    public var secretKey: CurveKey?

    public init(role: PeerRole, name: String, publicKey: CurveKey, secretKey: CurveKey? = nil) {
        self.role = role
        self.name = name
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The public file's name for `role` (`worker.key`) and the secret file's (`worker.key_secret`).
    public static func publicName(_ role: PeerRole) -> String { "\(role.rawValue).key" }
    public static func secretName(_ role: PeerRole) -> String { "\(role.rawValue).key_secret" }

    /// A new pair for `role`, written to `directory` (made if missing). Refuses to replace
    /// existing files unless `replacing`. Returns the paths of the public and the secret file.
    @discardableResult
    public static func generate(role: PeerRole, name: String, in directory: String, replacing: Bool = false) throws -> (publicPath: String, secretPath: String) {
        let pair = try CurveKeyPair.generate()
        try FileSystem.makeDirectories(directory)
        let publicPath = FileSystem.join(directory, publicName(role))
        let secretPath = FileSystem.join(directory, secretName(role))
        if !replacing {
            for path in [publicPath, secretPath] where FileSystem.exists(path) {
                throw DataError(.usage, file: path, "already exists (a key in use is replaced with --force only)")
            }
        }
        let file = KeyFile(role: role, name: name, publicKey: pair.publicKey, secretKey: pair.secretKey)
        try AtomicFile.write(Array(file.text(secret: true).utf8), to: secretPath, mode: 0o600)
        try AtomicFile.write(Array(file.text(secret: false).utf8), to: publicPath, mode: 0o644)
        return (publicPath, secretPath)
    }

    /// The text of the public file (`ROLE.key`), as `generate` writes it: what a peer that must
    /// trust this key is given.
    public var publicText: String { text(secret: false) }

    /// The file's text; the secret key only when `secret`.
    func text(secret: Bool) -> String {
        var lines = ["# CineMesh CURVE key of a \(role.rawValue) (docs/SECURITY.md)"]
        lines.append(secret ? "# SECRET: keep this file readable by its owner only (mode 0600); never copy it off this box."
                            : "# Public: give it to the coordinator's admin (`cinemesh keys allow`) or to the peers that must trust it.")
        lines.append("role = \"\(role.rawValue)\"")
        lines.append("name = \"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"")
        lines.append("public_key = \"\(publicKey.z85)\"")
        if secret, let secretKey { lines.append("secret_key = \"\(secretKey.z85)\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a key file. `secret`: the file must hold the secret key, must be readable by its
    /// owner alone, and its public key must be the secret's.
    public static func read(_ path: String, secret: Bool) throws -> KeyFile {
        if secret { try FileSystem.requireOwnerOnly(path, "the secret key") }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path) } catch {
            throw DataError(.io, file: path, "cannot read the key file (`cinemesh keys generate` makes one)")
        }
        let doc: TOMLDocument
        do { doc = try TOMLDocument(parsing: String(decoding: bytes, as: UTF8.self), file: path) } catch {
            throw DataError(.damaged, file: path, "not a CineMesh key file: \(error)")
        }
        func string(_ key: String) throws -> String {
            guard case .string(let s)? = doc.entries[key]?.value else {
                throw DataError(.damaged, file: path, "no \(key) (a CineMesh key file has role, name and public_key)")
            }
            return s
        }
        func key(_ field: String) throws -> CurveKey {
            guard let k = CurveKey(z85: try string(field)) else {
                throw DataError(.damaged, file: path, "\(field) is not a CURVE key (40 Z85 characters)")
            }
            return k
        }
        guard let role = PeerRole(rawValue: try string("role")) else {
            throw DataError(.damaged, file: path, "role must be one of \(PeerRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var file = KeyFile(role: role, name: try string("name"), publicKey: try key("public_key"))
        if secret {
            let s = try key("secret_key")
            guard try CurveKeyPair(secretKey: s).publicKey == file.publicKey else {
                throw DataError(.damaged, file: path, "public_key is not the secret key's public half")
            }
            file.secretKey = s
        }
        return file
    }
}
