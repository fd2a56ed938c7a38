import CineMeshData

extension ModelFile {
    /// Writes the model for Python users, as one directory committed atomically:
    /// `user_factors.npy` (users x factors, float32), `item_factors.npy`, `user_bias.npy`,
    /// `item_bias.npy` (NumPy format 1.0, little-endian, C order), `user_ids.txt` and
    /// `item_ids.txt` (the external id of each row, one per line) and `model.json` (the metadata
    /// plus the global mean). `numpy.load` reads the arrays directly.
    public func exportNPY(to directory: String, overwrite: Bool) throws {
        let tx = try DirectoryTransaction(target: directory, overwrite: overwrite, marker: "model.json")
        do {
            let k = model.users.factors
            func unpadded(_ m: FactorMatrix) -> [Float] {
                var out: [Float] = []
                out.reserveCapacity(m.rows * k)
                for r in 0 ..< m.rows { for f in 0 ..< k { out.append(m[r, f]) } }
                return out
            }
            try AtomicFile.write(Self.npy(unpadded(model.users), shape: [model.users.rows, k]), to: tx.path("user_factors.npy"))
            try AtomicFile.write(Self.npy(unpadded(model.items), shape: [model.items.rows, k]), to: tx.path("item_factors.npy"))
            try AtomicFile.write(Self.npy(model.userBias, shape: [model.userBias.count]), to: tx.path("user_bias.npy"))
            try AtomicFile.write(Self.npy(model.itemBias, shape: [model.itemBias.count]), to: tx.path("item_bias.npy"))
            try AtomicFile.write(Array(users.ids.map { $0.description + "\n" }.joined().utf8), to: tx.path("user_ids.txt"))
            try AtomicFile.write(Array(items.ids.map { $0.description + "\n" }.joined().utf8), to: tx.path("item_ids.txt"))
            struct Summary: Codable { var globalMean: Float; var factors: Int; var metadata: Metadata }
            try AtomicFile.write(try JSON.encode(Summary(globalMean: model.globalMean, factors: k, metadata: metadata)), to: tx.path("model.json"))
            try tx.commit()
        } catch {
            tx.abort()
            throw error
        }
    }

    /// A NumPy `.npy` (format 1.0) of float32 values in C order.
    public static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var w = BinaryWriter(capacity: 10 + header.utf8.count + values.count * 4)
        w.put(raw: [0x93] + Array("NUMPY".utf8) + [1, 0])
        w.put(UInt16(header.utf8.count))
        w.put(rawSequence: header.utf8)
        for v in values { w.put(v) }
        return w.bytes
    }
}
