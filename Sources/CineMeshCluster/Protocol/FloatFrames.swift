/// Raw little-endian arrays as payload frames (Float32 factor rows and biases, Int32 indices):
/// the bytes as they lie in memory, no encoding. CineMesh runs on little-endian machines only
/// (x86-64, arm64).
public enum FloatFrames {
    public static func frame<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) -> Frame {
        Array(UnsafeRawBufferPointer(values))
    }

    public static func frame<T: BitwiseCopyable>(_ values: ArraySlice<T>) -> Frame {
        values.withUnsafeBufferPointer { frame($0) }
    }

    /// The floats of `frame`; nil when its size is not `count` floats.
    public static func floats(_ frame: Frame, count: Int) -> [Float]? { values(frame, count: count) }

    /// The values of `frame`; nil when its size is not `count` values.
    public static func values<T: BitwiseCopyable>(_ frame: Frame, count: Int, as: T.Type = T.self) -> [T]? {
        guard frame.count == count * MemoryLayout<T>.stride else { return nil }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            frame.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }

    /// Copies `frame` over `count` floats at `destination`; false when the size is wrong.
    public static func copy(_ frame: Frame, to destination: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        guard frame.count == count * MemoryLayout<Float>.size else { return false }
        frame.withUnsafeBytes { UnsafeMutableRawPointer(destination).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return true
    }
}

/// Exact text forms of floating-point parameters (their bit patterns), so a worker computes with
/// the very bits the coordinator chose.
public enum ExactFloat {
    public static func text(_ x: Float) -> String { String(x.bitPattern, radix: 16) }
    public static func text(_ x: Double) -> String { String(x.bitPattern, radix: 16) }
    public static func float(_ s: String?) -> Float? { s.flatMap { UInt32($0, radix: 16) }.map(Float.init(bitPattern:)) }
    public static func double(_ s: String?) -> Double? { s.flatMap { UInt64($0, radix: 16) }.map(Double.init(bitPattern:)) }
}
