/// A column of values while a query runs: a stored column, or the result of an expression over
/// the rows of a block. Values sit in contiguous typed arrays; `nil` validity means no NULLs.
///
/// `coded` is dictionary encoding: each row holds a code into `dictionary` (`Vector.nullCode` is
/// NULL). Rating shards store users and items this way (codes are dense indices, the dictionary
/// is the id map), catalogs store text this way, and expressions over one coded column are
/// computed once per dictionary entry and gathered, not once per row.
public indirect enum Vector: Sendable {
    case integer([Int64], validity: [Bool]?)
    case double([Double], validity: [Bool]?)
    case text([String], validity: [Bool]?)
    case boolean([Bool], validity: [Bool]?)
    case coded([UInt32], dictionary: Vector)
    /// `count` NULLs of no particular type.
    case null(count: Int)

    /// The code that means NULL in a `coded` vector.
    public static let nullCode = UInt32.max

    public var count: Int {
        switch self {
        case .integer(let v, _): return v.count
        case .double(let v, _): return v.count
        case .text(let v, _): return v.count
        case .boolean(let v, _): return v.count
        case .coded(let c, _): return c.count
        case .null(let n): return n
        }
    }

    /// A vector holding `value` `count` times.
    public static func constant(_ value: Value, count: Int) -> Vector {
        switch value {
        case .null: return .null(count: count)
        case .integer(let i): return .integer(Array(repeating: i, count: count), validity: nil)
        case .double(let d): return .double(Array(repeating: d, count: count), validity: nil)
        case .text(let s): return .coded(Array(repeating: 0, count: count), dictionary: .text([s], validity: nil))
        case .boolean(let b): return .boolean(Array(repeating: b, count: count), validity: nil)
        }
    }

    /// Value at `row` (boxes: for results, keys and tests, not for inner loops).
    public subscript(row: Int) -> Value {
        switch self {
        case .integer(let v, let valid): return valid.map { $0[row] } ?? true ? .integer(v[row]) : .null
        case .double(let v, let valid): return valid.map { $0[row] } ?? true ? .double(v[row]) : .null
        case .text(let v, let valid): return valid.map { $0[row] } ?? true ? .text(v[row]) : .null
        case .boolean(let v, let valid): return valid.map { $0[row] } ?? true ? .boolean(v[row]) : .null
        case .coded(let c, let d): return c[row] == Self.nullCode ? .null : d[Int(c[row])]
        case .null: return .null
        }
    }

    /// Whether row `row` is NULL.
    @inline(__always)
    public func isNull(_ row: Int) -> Bool {
        switch self {
        case .integer(_, let valid), .double(_, let valid), .text(_, let valid), .boolean(_, let valid):
            return valid.map { !$0[row] } ?? false
        case .coded(let c, let d): return c[row] == Self.nullCode || d.isNull(Int(c[row]))
        case .null: return true
        }
    }

    /// Rows picked by `indices` (`-1` gives NULL), in that order. Coded vectors gather codes only.
    public func gather(_ indices: [Int32]) -> Vector {
        let hasNull = indices.contains { $0 < 0 }
        func pick<T>(_ values: [T], _ valid: [Bool]?, _ zero: T) -> ([T], [Bool]?) {
            let out = [T](unsafeUninitializedCapacity: indices.count) { o, initialized in
                values.withUnsafeBufferPointer { v in
                    indices.withUnsafeBufferPointer { ix in
                        if hasNull {
                            for k in 0 ..< ix.count { (o.baseAddress! + k).initialize(to: ix[k] >= 0 ? v[Int(ix[k])] : zero) }
                        } else {
                            for k in 0 ..< ix.count { (o.baseAddress! + k).initialize(to: v[Int(ix[k])]) }
                        }
                    }
                }
                initialized = indices.count
            }
            guard hasNull || valid != nil else { return (out, nil) }
            var validity = [Bool](repeating: true, count: indices.count)
            for (k, i) in indices.enumerated() { validity[k] = i >= 0 && (valid?[Int(i)] ?? true) }
            return (out, validity)
        }
        switch self {
        case .integer(let v, let valid):
            let (o, ok) = pick(v, valid, 0)
            return .integer(o, validity: ok)
        case .double(let v, let valid):
            let (o, ok) = pick(v, valid, 0)
            return .double(o, validity: ok)
        case .text(let v, let valid):
            let (o, ok) = pick(v, valid, "")
            return .text(o, validity: ok)
        case .boolean(let v, let valid):
            let (o, ok) = pick(v, valid, false)
            return .boolean(o, validity: ok)
        case .coded(let codes, let d):
            let out = [UInt32](unsafeUninitializedCapacity: indices.count) { o, initialized in
                codes.withUnsafeBufferPointer { c in
                    indices.withUnsafeBufferPointer { ix in
                        for k in 0 ..< ix.count { o[k] = ix[k] >= 0 ? c[Int(ix[k])] : Self.nullCode }
                    }
                }
                initialized = indices.count
            }
            return .coded(out, dictionary: d)
        case .null:
            return .null(count: indices.count)
        }
    }

    /// The same values without dictionary encoding.
    public func decoded() -> Vector {
        guard case .coded(let codes, let d) = self else { return self }
        let indices = codes.map { $0 == Self.nullCode ? Int32(-1) : Int32(bitPattern: $0) }
        return d.decoded().gather(indices)
    }

    /// A vector of `values` of type `type` (NULLs where `.null`).
    public static func from(_ values: [Value], type: SQLType) -> Vector {
        let validity: [Bool]? = values.contains(where: \.isNull) ? values.map { !$0.isNull } : nil
        switch type {
        case .integer:
            return .integer(values.map { if case .integer(let i) = $0 { return i } else { return 0 } }, validity: validity)
        case .double:
            return .double(values.map { $0.number ?? 0 }, validity: validity)
        case .text:
            return .text(values.map { if case .text(let s) = $0 { return s } else { return "" } }, validity: validity)
        case .boolean:
            return .boolean(values.map { if case .boolean(let b) = $0 { return b } else { return false } }, validity: validity)
        case .null:
            return .null(count: values.count)
        }
    }
}
