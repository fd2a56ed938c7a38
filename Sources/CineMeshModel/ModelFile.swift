import CineMeshData

/// A trained model as one self-contained, versioned file: the factors and biases, the id maps
/// (so every answer speaks the dataset's ids), the catalog, the items each user has rated (left out
/// of recommendations), and JSON metadata: algorithm, hyper-parameters, per-epoch metrics,
/// held-out metrics and the dataset's content hash. Layout in docs/FORMATS.md ("Model files");
/// written atomically, XXH64-checksummed, refused with a clear error when damaged or of
/// another version.
public struct ModelFile: Sendable, SelfContainedFile {
    /// Everything about the model except its numbers.
    public struct Metadata: Codable, Sendable, Equatable {
        /// The parameters the model was trained with, as its trainer wrote them: kept for people
        /// and for training again, never read to serve. Written as `{"<trainer>": {"_0": {...}}}`
        /// (docs/FORMATS.md), the shape of the files version 1 has always had.
        public struct Hyperparameters: Codable, Sendable, Equatable {
            /// The trainer's key: `svd`, `als`, `alsImplicit`, `baseline`, ...
            public var trainer: String
            /// Its parameters, as a JSON object.
            public var values: JSONValue

            public init(trainer: String, values: JSONValue) {
                self.trainer = trainer
                self.values = values
            }

            public init(from decoder: any Decoder) throws {
                let outer = try decoder.container(keyedBy: JSONValue.Key.self)
                guard outer.allKeys.count == 1, let key = outer.allKeys.first else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "hyper-parameters name one trainer"))
                }
                trainer = key.stringValue
                values = try outer.nestedContainer(keyedBy: JSONValue.Key.self, forKey: key).decode(JSONValue.self, forKey: JSONValue.Key("_0"))
            }

            public func encode(to encoder: any Encoder) throws {
                var outer = encoder.container(keyedBy: JSONValue.Key.self)
                var inner = outer.nestedContainer(keyedBy: JSONValue.Key.self, forKey: JSONValue.Key(trainer))
                try inner.encode(values, forKey: JSONValue.Key("_0"))
            }
        }

        public var algorithm: String
        public var hyperparameters: Hyperparameters
        public var epochs: [EpochReport]
        /// Held-out metrics of the trained model, by name (e.g. `rmse`, `mae`).
        public var metrics: [String: Double]
        public var dataset: String
        public var datasetContentHash: String
        public var ratingScale: RatingScale

        public init(algorithm: String, hyperparameters: Hyperparameters, epochs: [EpochReport], metrics: [String: Double],
                    dataset: String, datasetContentHash: String, ratingScale: RatingScale) {
            self.algorithm = algorithm
            self.hyperparameters = hyperparameters
            self.epochs = epochs
            self.metrics = metrics
            self.dataset = dataset
            self.datasetContentHash = datasetContentHash
            self.ratingScale = ratingScale
        }
    }

    public static let magic = "CMMODEL"
    public static let version: UInt16 = 1
    static let header = BinaryFileHeader(magic: magic, version: version, kind: "model")

    public var metadata: Metadata
    public var model: BiasedFactorModel
    public var users: IdMap
    public var items: IdMap
    public var catalog: ColumnTable?
    /// Training items of user u: `seenItems[seenOffsets[u] ..< seenOffsets[u+1]]`, ascending.
    public var seenOffsets: [UInt64]
    public var seenItems: [UInt32]

    public init(metadata: Metadata, model: BiasedFactorModel, users: IdMap, items: IdMap, catalog: ColumnTable?, seen: [RatingBlock]) {
        self.metadata = metadata
        self.model = model
        self.users = users
        self.items = items
        self.catalog = catalog
        let byUser = RatingsByRow(seen, rows: users.count, byUser: true)
        seenOffsets = byUser.offsets.map { UInt64($0) }
        seenItems = byUser.others
    }

    /// The items user `u` has rated, ascending.
    public func seen(user u: Int) -> ArraySlice<UInt32> {
        seenItems[Int(seenOffsets[u]) ..< Int(seenOffsets[u + 1])]
    }

    /// The file bytes.
    public func encoded() throws -> [UInt8] {
        var w = BinaryWriter()
        w.put(header: Self.header)
        w.put(UInt16(0))
        w.put(UInt32(model.users.factors))
        w.put(UInt64(model.users.rows))
        w.put(UInt64(model.items.rows))
        w.put(model.globalMean)
        w.put(UInt32(0))
        let json = try JSON.encode(metadata)
        w.put(UInt64(json.count))
        w.put(raw: json)
        for x in model.userBias { w.put(x) }
        for x in model.itemBias { w.put(x) }
        for m in [model.users, model.items] {
            for r in 0 ..< m.rows {
                for f in 0 ..< m.factors { w.put(m[r, f]) }
            }
        }
        for section in [IdMap.encode(users.ids), IdMap.encode(items.ids), catalog?.encoded() ?? []] {
            w.put(UInt64(section.count))
            w.put(raw: section)
        }
        w.put(UInt64(seenItems.count))
        for x in seenOffsets { w.put(x) }
        for x in seenItems { w.put(x) }
        w.appendChecksum()
        return w.bytes
    }

    /// Decodes and verifies a model file's bytes; errors name `path`.
    public static func decode(_ bytes: [UInt8], file path: String) throws -> ModelFile {
        var r = try BinaryReader(verifying: bytes, file: path, header: header, minimumSize: 48)
        _ = try r.get(UInt16.self, "reserved")
        let k = Int(try r.get(UInt32.self, "factors"))
        let u = try r.getCount("user count"), i = try r.getCount("item count")
        let mean = try r.getFloat("global mean")
        _ = try r.get(UInt32.self, "reserved")
        // Biases and factors take (u + i) x (k + 1) floats: a header asking for more than the file
        // holds is refused before the matrices are allocated.
        guard k <= 4096, (u + i) * (k + 1) * 4 <= r.remaining else {
            throw DataError(.damaged, file: path, "impossible sizes in the header: \(u) users and \(i) items of \(k) factors need more than the file's \(bytes.count) bytes")
        }
        let jsonLength = try r.getCount("metadata length")
        let metadata = try JSON.decode(Metadata.self, from: Array(try r.getBytes(jsonLength, "metadata")), file: path)
        // A finite model only: an infinite or NaN factor would poison every score it touches
        // (and the gateway's integer panels), so such a file is refused, not served.
        func floats(_ n: Int, _ what: String) throws -> [Float] {
            let values = try r.getArray(UInt32.self, count: n, what).map { Float(bitPattern: UInt32(littleEndian: $0)) }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw DataError(.damaged, file: path, "\(what): value \(bad) is \(values[bad]), not a finite number")
            }
            return values
        }
        guard mean.isFinite else { throw DataError(.damaged, file: path, "the global mean is \(mean), not a finite number") }
        var model = BiasedFactorModel(globalMean: mean, users: FactorMatrix(rows: u, factors: k), items: FactorMatrix(rows: i, factors: k))
        model.userBias = try floats(u, "user biases")
        model.itemBias = try floats(i, "item biases")
        for side in 0 ..< 2 {
            let rows = side == 0 ? u : i
            let values = try floats(rows * k, side == 0 ? "user factors" : "item factors")
            for row in 0 ..< rows {
                for f in 0 ..< k {
                    if side == 0 { model.users[row, f] = values[row * k + f] } else { model.items[row, f] = values[row * k + f] }
                }
            }
        }
        func section(_ what: String) throws -> [UInt8] {
            Array(try r.getBytes(try r.getCount("\(what) length"), what))
        }
        let users = try IdMap.decode(try section("user ids"), file: path + " (user ids)")
        let items = try IdMap.decode(try section("item ids"), file: path + " (item ids)")
        let catalogBytes = try section("catalog")
        let catalog = catalogBytes.isEmpty ? nil : try ColumnTable.decode(catalogBytes, file: path + " (catalog)")
        let seenCount = try r.getCount("seen count")
        let offsets = try r.getArray(UInt64.self, count: u + 1, "seen offsets").map { UInt64(littleEndian: $0) }
        let seen = try r.getArray(UInt32.self, count: seenCount, "seen items").map { UInt32(littleEndian: $0) }
        guard r.remaining == 0, users.count == u, items.count == i, offsets.last == UInt64(seenCount),
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }), seen.allSatisfy({ Int($0) < i }) else {
            throw DataError(.damaged, file: path, "sections disagree with the header")
        }
        var file = ModelFile(metadata: metadata, model: model, users: users, items: items, catalog: catalog, seen: [])
        file.seenOffsets = offsets
        file.seenItems = seen
        return file
    }
}
