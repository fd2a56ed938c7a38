import CineMeshData
import Foundation

/// The peers a coordinator lets in: one line per CURVE public key, `ROLE KEY NAME`, as
/// `cinemesh keys allow` writes it. Lines starting with `#` and blank lines are ignored. A worker
/// key opens the workers endpoint; a client or gateway key the clients endpoint.
///
///     # CineMesh allow-list: ROLE PUBLIC-KEY NAME
///     worker  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7  box2
///     client  Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID  alice-laptop
public struct AllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var role: PeerRole
        public var key: CurveKey
        public var name: String

        public init(role: PeerRole, key: CurveKey, name: String) {
            self.role = role
            self.key = key
            self.name = name
        }
    }

    public private(set) var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Parses the file's text; an error names the file and line.
    public init(parsing text: String, file: String) throws(DataError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3 else {
                throw DataError(.damaged, file: file, line: index + 1, "expected ROLE PUBLIC-KEY NAME, found '\(line)'")
            }
            guard let role = PeerRole(rawValue: String(fields[0])), role != .coordinator else {
                throw DataError(.damaged, file: file, line: index + 1, "unknown role '\(fields[0])' (worker, client or gateway)")
            }
            guard let key = CurveKey(z85: String(fields[1])) else {
                throw DataError(.damaged, file: file, line: index + 1, "'\(fields[1])' is not a CURVE public key (40 Z85 characters)")
            }
            entries.append(Entry(role: role, key: key, name: fields[2...].joined(separator: " ")))
        }
    }

    /// Reads `path`; a missing file is an empty list (nobody is let in).
    public static func read(_ path: String) throws -> AllowList {
        guard FileSystem.exists(path) else { return AllowList() }
        return try AllowList(parsing: String(decoding: try FileSystem.readAll(path), as: UTF8.self), file: path)
    }

    /// Writes the list to `path` atomically.
    public func write(to path: String) throws {
        try FileSystem.makeDirectories(FileSystem.parent(of: path))
        try AtomicFile.write(Array(text.utf8), to: path)
    }

    public var text: String {
        (["# CineMesh allow-list: ROLE PUBLIC-KEY NAME (docs/SECURITY.md); `cinemesh keys allow|revoke` edit it."]
            + entries.map { "\($0.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \($0.key.z85)  \($0.name)" })
            .joined(separator: "\n") + "\n"
    }

    /// The entry of `key`, if it is allowed at all.
    public func entry(for key: CurveKey) -> Entry? {
        entries.first { $0.key == key }
    }

    /// Adds `entry`, replacing any entry of the same key (a key has one role and one name).
    /// `replacingName`: other keys of the entry's role and name go (a box that made a new key).
    public mutating func allow(_ entry: Entry, replacingName: Bool = false) {
        entries.removeAll { $0.key == entry.key || (replacingName && $0.role == entry.role && $0.name == entry.name) }
        entries.append(entry)
    }

    /// Removes the entries whose key or name is `keyOrName`; returns how many went.
    @discardableResult
    public mutating func revoke(_ keyOrName: String) -> Int {
        let before = entries.count
        entries.removeAll { $0.key.z85 == keyOrName || $0.name == keyOrName }
        return before - entries.count
    }
}
