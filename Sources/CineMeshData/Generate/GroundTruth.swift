/// The planted model behind generated ratings: rating = mean + b_u + b_i + p_u . q_i + noise,
/// rounded to the step and clipped to the scale. Saved beside generated data so tests can check
/// that a trained model recovers it. Users and items are indexed by generated id - 1.
public struct GroundTruth: Sendable, Equatable {
    public var factors: Int
    public var globalMean: Double
    /// Standard deviation of the Gaussian noise added before rounding.
    public var noise: Double
    /// Rounding step (0: none).
    public var step: Double
    public var scale: RatingScale
    public var userBias: [Float]
    public var itemBias: [Float]
    /// users x factors, row-major.
    public var userFactors: [Float]
    /// items x factors, row-major.
    public var itemFactors: [Float]

    public var users: Int { userBias.count }
    public var items: Int { itemBias.count }

    /// The noiseless score of generated user `u` (0-based) for item `i`, before rounding and clipping.
    @inline(__always)
    public func score(user u: Int, item i: Int) -> Double {
        var dot: Float = 0
        for f in 0 ..< factors { dot += userFactors[u * factors + f] * itemFactors[i * factors + f] }
        return globalMean + Double(userBias[u]) + Double(itemBias[i]) + Double(dot)
    }

    /// The best prediction of an observed rating: the score clipped to the scale.
    public func predict(user u: Int, item i: Int) -> Double {
        min(scale.max, max(scale.min, score(user: u, item: i)))
    }

    static let header = BinaryFileHeader(magic: "CMTRUTH", version: 1, kind: "ground truth")

    /// The file bytes (docs/FORMATS.md, "Ground truth files").
    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 72 + 4 * (users + items) * (1 + factors))
        w.put(header: Self.header)
        w.put(UInt16(0))
        w.put(UInt32(factors))
        w.put(UInt64(users))
        w.put(UInt64(items))
        w.put(globalMean)
        w.put(noise)
        w.put(step)
        w.put(scale.min)
        w.put(scale.max)
        for x in userBias { w.put(x) }
        for x in itemBias { w.put(x) }
        for x in userFactors { w.put(x) }
        for x in itemFactors { w.put(x) }
        w.appendChecksum()
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> GroundTruth {
        var r = try BinaryReader(verifying: bytes, file: file, header: header, minimumSize: 72)
        _ = try r.get(UInt16.self, "reserved")
        let k = Int(try r.get(UInt32.self, "factors"))
        let u = try r.getCount("users"), i = try r.getCount("items")
        let mean = try r.getDouble("mean"), noise = try r.getDouble("noise"), step = try r.getDouble("step")
        let smin = try r.getDouble("scale min"), smax = try r.getDouble("scale max")
        // Each count is at most the file's size, but their product with a damaged factor count can
        // still overflow: checked, so a damaged header is an error, not a trap.
        let (rows, o1) = (u + i).multipliedReportingOverflow(by: 1 + k)
        let (size, o2) = rows.multipliedReportingOverflow(by: 4)
        guard !o1, !o2, size == r.remaining else { throw DataError(.damaged, file: file, "sizes disagree with the header") }
        func floats(_ n: Int, _ what: String) throws -> [Float] {
            try r.getArray(UInt32.self, count: n, what).map { Float(bitPattern: UInt32(littleEndian: $0)) }
        }
        return GroundTruth(factors: k, globalMean: mean, noise: noise, step: step, scale: RatingScale(min: smin, max: smax, step: step > 0 ? step : nil),
                           userBias: try floats(u, "user biases"), itemBias: try floats(i, "item biases"),
                           userFactors: try floats(u * k, "user factors"), itemFactors: try floats(i * k, "item factors"))
    }
}
