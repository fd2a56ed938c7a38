/// The dense-index <-> external-id map of users or items. Internal indices are positions in
/// `ids`; every output of CineMesh goes back through this map so users only ever see their own ids.
public struct IdMap: Sendable, Equatable {
    /// External id of each dense index.
    public let ids: [ExternalId]
    private let lookup: [ExternalId: UInt32]

    public init(ids: [ExternalId]) {
        self.ids = ids
        var l = [ExternalId: UInt32](minimumCapacity: ids.count)
        for (i, id) in ids.enumerated() { l[id] = UInt32(i) }
        lookup = l
    }

    public var count: Int { ids.count }

    /// Dense index of an external id, or nil when the dataset has no such user/item.
    public func index(of id: ExternalId) -> UInt32? { lookup[id] }

    /// Dense index of an id written as text.
    public func index(of text: String) -> UInt32? { lookup[ExternalId(text)] }

    public static func == (a: IdMap, b: IdMap) -> Bool { a.ids == b.ids }
}

extension IdMap {
    static let header = BinaryFileHeader(magic: "CMIDMAP", version: 1, kind: "id map")

    /// The file bytes (see docs/FORMATS.md, "Id map files").
    public func encoded() -> [UInt8] { Self.encode(ids) }

    /// The file bytes of an id list, without building the lookup table.
    public static func encode(_ ids: [ExternalId]) -> [UInt8] {
        var w = BinaryWriter(capacity: 24 + ids.count * 9)
        w.put(header: header)
        w.put(UInt16(0))
        w.put(UInt32(0))
        w.put(UInt64(ids.count))
        for id in ids {
            switch id {
            case .int(let v):
                w.put(UInt8(0))
                w.put(v)
            case .text(let s):
                w.put(UInt8(1))
                w.put(string: s)
            }
        }
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes and verifies an id map file's bytes; rejects duplicate ids.
    public static func decode(_ bytes: [UInt8], file: String) throws -> IdMap {
        var r = try BinaryReader(verifying: bytes, file: file, header: header, minimumSize: 24)
        _ = try r.get(UInt16.self, "reserved")
        _ = try r.get(UInt32.self, "reserved")
        let n = try r.getCount("id count")
        var ids: [ExternalId] = []
        ids.reserveCapacity(n)
        for i in 0 ..< n {
            switch try r.get(UInt8.self, "id tag") {
            case 0: ids.append(.int(try r.get(Int64.self, "integer id")))
            case 1: ids.append(.text(try r.getString("text id")))
            case let t: throw DataError(.damaged, file: file, "unknown id tag \(t) at entry \(i)")
            }
        }
        if r.remaining != 0 { throw DataError(.damaged, file: file, "\(r.remaining) unexpected bytes after the last id") }
        let map = IdMap(ids: ids)
        if map.lookup.count != ids.count { throw DataError(.damaged, file: file, "duplicate ids") }
        return map
    }
}
