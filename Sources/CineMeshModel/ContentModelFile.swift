import CineMeshData

/// A content-based model as one self-contained file: the top-K neighbour lists of every item
/// (`ItemNeighbors`), the item ids and a small catalog (`item`, `title`, `year`, `type` where the
/// dataset had them) so "more like this" can be answered and printed without the dataset, and
/// JSON metadata (algorithm `content`, its parameters as opaque JSON, the dataset and its content
/// hash). Layout in docs/FORMATS.md ("Content model files"); written atomically,
/// XXH64-checksummed, refused with an error naming the file when damaged or of another version.
public struct ContentModelFile: Sendable, Equatable, SelfContainedFile {
    /// Everything about the model except its numbers.
    public struct Metadata: Codable, Sendable, Equatable {
        public var algorithm: String
        /// The parameters (K, field weights, tokenizer options), as the trainer wrote them.
        public var parameters: JSONValue
        public var dataset: String
        public var datasetContentHash: String

        public init(algorithm: String = "content", parameters: JSONValue, dataset: String, datasetContentHash: String) {
            self.algorithm = algorithm
            self.parameters = parameters
            self.dataset = dataset
            self.datasetContentHash = datasetContentHash
        }
    }

    public static let magic = "CMNEIGH"
    public static let version: UInt16 = 1
    static let header = BinaryFileHeader(magic: magic, version: version, kind: "content model")

    public var metadata: Metadata
    /// Item `i` is catalog row `i`: `catalog.strings("item")![i]` is its external id.
    public var catalog: ColumnTable
    public var neighbors: ItemNeighbors

    public init(metadata: Metadata, catalog: ColumnTable, neighbors: ItemNeighbors) {
        self.metadata = metadata
        self.catalog = catalog
        self.neighbors = neighbors
    }

    /// The columns of `catalog` a model keeps to print its answers: `item`, `title`, `year`, `type`
    /// (those the catalog has).
    public static func displayColumns(of catalog: ColumnTable) -> ColumnTable {
        ColumnTable(columns: catalog.columns.filter { ["item", "title", "year", "type"].contains($0.name) })
    }

    /// The file bytes: header, metadata, catalog, then the three neighbour arrays, then the XXH64 trailer.
    public func encoded() throws -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: Self.header)
        w.put(UInt16(0))
        w.put(UInt32(neighbors.k))
        w.put(UInt64(neighbors.itemCount))
        w.put(UInt64(neighbors.neighbors.count))
        let json = try JSON.encode(metadata)
        w.put(UInt64(json.count))
        w.put(raw: json)
        let table = catalog.encoded()
        w.put(UInt64(table.count))
        w.put(raw: table)
        w.pad(to: 8)
        w.put(contentsOf: neighbors.offsets)
        w.put(contentsOf: neighbors.neighbors)
        w.put(contentsOf: neighbors.scores)
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes and verifies a content model file's bytes; every failure is a `DataError` naming `path`.
    public static func decode(_ bytes: [UInt8], file path: String) throws -> ContentModelFile {
        var r = try BinaryReader(verifying: bytes, file: path, header: header, minimumSize: 40)
        _ = try r.get(UInt16.self, "reserved")
        let k = Int(try r.get(UInt32.self, "k"))
        let n = try r.getCount("item count")
        let entries = try r.getCount("neighbour count")
        let metadata = try JSON.decode(Metadata.self, from: Array(try r.getBytes(try r.getCount("metadata length"), "metadata")), file: path)
        let catalog = try ColumnTable.decode(Array(try r.getBytes(try r.getCount("catalog length"), "catalog")), file: path + " (catalog)")
        r.skip(toAlignment: 8)
        guard (n + 1) * 8 + entries * 8 == r.remaining else {
            throw DataError(.damaged, file: path, "impossible sizes: \(n) items and \(entries) neighbours do not fill the file's \(r.remaining) bytes of lists")
        }
        let offsets = try r.getArray(UInt64.self, count: n + 1, "offsets").map { UInt64(littleEndian: $0) }
        let neighbors = try r.getArray(Int32.self, count: entries, "neighbours").map { Int32(littleEndian: $0) }
        let scores = try r.getArray(UInt32.self, count: entries, "scores").map { Float(bitPattern: UInt32(littleEndian: $0)) }
        guard catalog.rowCount == n, offsets.first == 0, offsets.last == UInt64(entries),
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 && $1 - $0 <= UInt64(k) }) else {
            throw DataError(.damaged, file: path, "the neighbour offsets or the catalog disagree with the header")
        }
        if let bad = neighbors.firstIndex(where: { $0 < 0 || Int($0) >= n }) {
            throw DataError(.damaged, file: path, "neighbour \(bad) is item \(neighbors[bad]), outside 0..<\(n)")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw DataError(.damaged, file: path, "score \(bad) is \(scores[bad]), not a finite number")
        }
        return ContentModelFile(metadata: metadata, catalog: catalog,
                                neighbors: ItemNeighbors(k: k, offsets: offsets, neighbors: neighbors, scores: scores))
    }
}
