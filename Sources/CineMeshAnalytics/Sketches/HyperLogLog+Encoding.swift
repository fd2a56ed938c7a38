import CineMeshData

/// The byte form of a `HyperLogLog` (docs/FORMATS.md, "Sketches"): `u8` tag `H`, `u8` version 1,
/// `u8` precision, `u8` form, then either every register (form 0, dense: `2^precision` bytes) or,
/// when fewer than a quarter of the registers are set, only those (form 1, sparse: a `u32` count,
/// then per set register in increasing index order a `u32` of `index << 8 | value`). The form is
/// a function of the registers, so equal sketches encode to equal bytes.
extension HyperLogLog {
    static let tag = UInt8(ascii: "H")
    static let version: UInt8 = 1

    /// Appends this sketch's byte form to `w`.
    public func encoded(into w: inout BinaryWriter) {
        let set = registers.reduce(0) { $1 == 0 ? $0 : $0 + 1 }
        let sparse = set * 4 < registers.count
        w.put(Self.tag)
        w.put(Self.version)
        w.put(UInt8(precision))
        w.put(UInt8(sparse ? 1 : 0))
        if sparse {
            w.put(UInt32(set))
            for (i, v) in registers.enumerated() where v != 0 {
                w.put(UInt32(i) << 8 | UInt32(v))
            }
        } else {
            w.put(raw: registers)
        }
    }

    /// Reads a sketch written by `encoded(into:)`. Throws `DataError` `.damaged` on truncated or
    /// malformed bytes (a register out of range, sparse indices out of order) and
    /// `.versionMismatch` on another version; never traps.
    public static func decode(from r: inout BinaryReader) throws -> HyperLogLog {
        guard try r.get(UInt8.self, "HyperLogLog tag") == tag else {
            throw DataError(.damaged, "not a HyperLogLog sketch (bad tag)")
        }
        let version = try r.get(UInt8.self, "HyperLogLog version")
        guard version == Self.version else {
            throw DataError(.versionMismatch, "HyperLogLog format version \(version) is not supported (this build reads version \(Self.version))")
        }
        let precision = Int(try r.get(UInt8.self, "HyperLogLog precision"))
        guard precisionRange.contains(precision) else {
            throw DataError(.damaged, "HyperLogLog precision \(precision) is not in \(precisionRange)")
        }
        var sketch = HyperLogLog(precision: precision)
        let m = 1 << precision
        let maxRegister = sketch.maxRegister
        switch try r.get(UInt8.self, "HyperLogLog form") {
        case 0:
            let registers = Array(try r.getBytes(m, "HyperLogLog registers"))
            guard registers.allSatisfy({ Int($0) <= maxRegister }) else {
                throw DataError(.damaged, "HyperLogLog register above \(maxRegister)")
            }
            sketch.registers = registers
        case 1:
            let set = Int(try r.get(UInt32.self, "HyperLogLog register count"))
            guard set <= m else { throw DataError(.damaged, "HyperLogLog with \(set) set registers of \(m)") }
            let entries = try r.getArray(UInt32.self, count: set, "HyperLogLog sparse registers")
            var next = 0
            for raw in entries {
                let e = UInt32(littleEndian: raw)
                let i = Int(e >> 8), v = Int(e & 0xFF)
                guard i >= next, i < m, v >= 1, v <= maxRegister else {
                    throw DataError(.damaged, "HyperLogLog sparse register \(i) = \(v) is out of order or out of range")
                }
                sketch.registers[i] = UInt8(v)
                next = i + 1
            }
        case let form:
            throw DataError(.damaged, "unknown HyperLogLog form \(form)")
        }
        return sketch
    }
}
