import CineMeshData

/// What one block contributes to a query: its groups (key values and aggregate states) for an
/// aggregate query, its candidate rows for a plain one, and for an outer join that keeps catalog
/// rows, which of them found a match. Workers send it as bytes (`encoded`); the coordinator
/// merges partials in block order (`QueryMerger`).
public struct QueryPartial: Sendable {
    /// Groups in this partial.
    var groupCount = 0
    /// Per GROUP BY key, its value in every group: typed columns, no value boxed per group.
    var keyColumns: [Vector] = []
    /// Per aggregate, the states of every group.
    var states: [AggregateStates] = []
    /// Plain queries: per row, its output values followed by its ORDER BY keys.
    var rows: [[Value]] = []
    /// Outer joins keeping the catalog side: which of its rows matched a rating of this block.
    var matched: [Bool]?
    /// Candidate rows of a plain query.
    public var rowCount: Int { rows.count }

    /// Rows the block had after its filters (before grouping), for progress and statistics.
    public var rowsScanned = 0

    static let magic: UInt32 = 0x434D_5150  // "CMQP"

    /// The partial's bytes: a small header, then groups, rows and the match bitmap.
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.put(Self.magic)
        w.put(UInt64(rowsScanned))
        w.put(UInt32(groupCount))
        w.put(UInt16(keyColumns.count))
        for column in keyColumns { Self.put(column, &w) }
        w.put(UInt32(states.count))
        for s in states { s.encode(into: &w) }
        w.put(UInt32(rows.count))
        for row in rows { Self.put(row, &w) }
        if let matched {
            w.put(UInt8(1))
            w.put(UInt32(matched.count))
            var byte: UInt8 = 0
            for (i, m) in matched.enumerated() {
                if m { byte |= 1 << UInt8(i & 7) }
                if i & 7 == 7 || i == matched.count - 1 {
                    w.put(byte)
                    byte = 0
                }
            }
        } else {
            w.put(UInt8(0))
        }
        return w.bytes
    }

    /// Reads what `encoded` wrote; anything else is an error, never a crash.
    public static func decode(_ bytes: [UInt8], calls: [AggregateCall]) throws -> QueryPartial {
        var r = BinaryReader(bytes, file: "query partial")
        guard try r.get(UInt32.self, "magic") == magic else { throw DataError(.damaged, file: "query partial", "not a query partial") }
        var p = QueryPartial()
        guard let scanned = Int(exactly: try r.get(UInt64.self, "row count")) else {
            throw DataError(.damaged, file: "query partial", "impossible count of rows scanned")
        }
        p.rowsScanned = scanned
        let groups = Int(try r.get(UInt32.self, "group count"))
        guard groups <= r.remaining else { throw DataError(.damaged, file: "query partial", "impossible group count") }
        p.groupCount = groups
        let keys = Int(try r.get(UInt16.self, "key count"))
        p.keyColumns = try (0 ..< keys).map { _ in try getVector(&r, count: groups) }
        let stateCount = Int(try r.get(UInt32.self, "aggregate count"))
        guard stateCount == calls.count else { throw DataError(.damaged, file: "query partial", "\(stateCount) aggregates, expected \(calls.count)") }
        p.states = try calls.map { try AggregateStates.decode(from: &r, call: $0, groups: groups) }
        let rowCount = Int(try r.get(UInt32.self, "row count"))
        guard rowCount <= r.remaining else { throw DataError(.damaged, file: "query partial", "impossible row count") }
        p.rows = try (0 ..< rowCount).map { _ in try getValues(&r) }
        if try r.get(UInt8.self, "match flag") == 1 {
            let n = Int(try r.get(UInt32.self, "match count"))
            let packed = Array(try r.getBytes((n + 7) / 8, "match bitmap"))
            p.matched = (0 ..< n).map { packed[$0 >> 3] & (1 << UInt8($0 & 7)) != 0 }
        }
        guard r.remaining == 0 else { throw DataError(.damaged, file: "query partial", "\(r.remaining) unexpected bytes at the end") }
        return p
    }

    /// A typed column: its type, a validity flag (and bitmap), then the values.
    static func put(_ column: Vector, _ w: inout BinaryWriter) {
        func validity(_ v: [Bool]?) {
            guard let v else { return w.put(UInt8(0)) }
            w.put(UInt8(1))
            for b in v { w.put(UInt8(b ? 1 : 0)) }
        }
        switch column.decoded() {
        case .integer(let v, let valid):
            w.put(UInt8(1))
            validity(valid)
            w.put(contentsOf: v)
        case .double(let v, let valid):
            w.put(UInt8(2))
            validity(valid)
            w.put(contentsOf: v.map(\.bitPattern))
        case .text(let v, let valid):
            w.put(UInt8(3))
            validity(valid)
            for x in v { w.put(string: x) }
        case .boolean(let v, let valid):
            w.put(UInt8(4))
            validity(valid)
            for x in v { w.put(UInt8(x ? 1 : 0)) }
        case .null, .coded:
            w.put(UInt8(0))
        }
    }

    static func getVector(_ r: inout BinaryReader, count n: Int) throws -> Vector {
        let type = try r.get(UInt8.self, "column type")
        if type == 0 { return .null(count: n) }
        var valid: [Bool]?
        if try r.get(UInt8.self, "validity flag") == 1 {
            valid = try r.getArray(UInt8.self, count: n, "validity").map { $0 != 0 }
        }
        switch type {
        case 1: return .integer(try r.getArray(Int64.self, count: n, "integers"), validity: valid)
        case 2: return .double(try r.getArray(UInt64.self, count: n, "doubles").map(Double.init(bitPattern:)), validity: valid)
        case 3: return .text(try (0 ..< n).map { _ in try r.getString("text") }, validity: valid)
        case 4: return .boolean(try r.getArray(UInt8.self, count: n, "booleans").map { $0 != 0 }, validity: valid)
        default: throw DataError(.damaged, file: "query partial", "unknown column type \(type)")
        }
    }

    static func put(_ values: [Value], _ w: inout BinaryWriter) {
        w.put(UInt16(values.count))
        for v in values { put(v, &w) }
    }

    static func put(_ v: Value, _ w: inout BinaryWriter) {
        switch v {
        case .null: w.put(UInt8(0))
        case .integer(let i):
            w.put(UInt8(1))
            w.put(i)
        case .double(let d):
            w.put(UInt8(2))
            w.put(d)
        case .text(let s):
            w.put(UInt8(3))
            w.put(string: s)
        case .boolean(let b):
            w.put(UInt8(b ? 5 : 4))
        }
    }

    static func getValues(_ r: inout BinaryReader) throws -> [Value] {
        let n = Int(try r.get(UInt16.self, "value count"))
        return try (0 ..< n).map { _ in try getValue(&r) }
    }

    static func getValue(_ r: inout BinaryReader) throws -> Value {
        switch try r.get(UInt8.self, "value tag") {
        case 0: return .null
        case 1: return .integer(try r.get(Int64.self, "integer"))
        case 2: return .double(try r.getDouble("double"))
        case 3: return .text(try r.getString("text"))
        case 4: return .boolean(false)
        case 5: return .boolean(true)
        case let t: throw DataError(.damaged, file: "query partial", "unknown value tag \(t)")
        }
    }
}

extension AggregateStates {
    func encode(into w: inout BinaryWriter) {
        func doubles(_ v: [Double]) { w.put(contentsOf: v.map(\.bitPattern)) }
        func ints(_ v: [Int64]) { w.put(contentsOf: v) }
        switch self {
        case .count(let c): ints(c)
        case .sumInteger(let s, let n): ints(s); ints(n)
        case .sumDouble(let s, let n): doubles(s); ints(n)
        case .moments(let n, let mean, let m2): ints(n); doubles(mean); doubles(m2)
        case .extreme(let v, _): for x in v { QueryPartial.put(x, &w) }
        case .values(let lists):
            for l in lists {
                w.put(UInt64(l.count))
                doubles(l)
            }
        case .items(let lists):
            for l in lists {
                w.put(UInt64(l.count))
                for x in l { QueryPartial.put(x, &w) }
            }
        case .distinct(let lists, _):
            for l in lists {
                w.put(UInt64(l.count))
                for x in l { QueryPartial.put(x, &w) }
            }
        case .hll(let h): for x in h { x.encoded(into: &w) }
        case .quantileSketch(let q): for x in q { x.encoded(into: &w) }
        }
    }

    static func decode(from r: inout BinaryReader, call: AggregateCall, groups: Int) throws -> AggregateStates {
        func ints() throws -> [Int64] { try r.getArray(Int64.self, count: groups, "aggregate state") }
        func doubles() throws -> [Double] { try r.getArray(UInt64.self, count: groups, "aggregate state").map(Double.init(bitPattern:)) }
        func count() throws -> Int {
            try r.getCount("list length")
        }
        switch AggregateStates(call, groups: 0) {
        case .count: return .count(try ints())
        case .sumInteger: return .sumInteger(sum: try ints(), n: try ints())
        case .sumDouble: return .sumDouble(sum: try doubles(), n: try ints())
        case .moments: return .moments(n: try ints(), mean: try doubles(), m2: try doubles())
        case .extreme(_, let isMax): return .extreme(try (0 ..< groups).map { _ in try QueryPartial.getValue(&r) }, max: isMax)
        case .values:
            return .values(try (0 ..< groups).map { _ in
                let n = try count()
                return try r.getArray(UInt64.self, count: n, "values").map(Double.init(bitPattern:))
            })
        case .items:
            return .items(try (0 ..< groups).map { _ in
                let n = try count()
                return try (0 ..< n).map { _ in try QueryPartial.getValue(&r) }
            })
        case .distinct:
            let lists = try (0 ..< groups).map { _ in
                let n = try count()
                return try (0 ..< n).map { _ in try QueryPartial.getValue(&r) }
            }
            return .distinct(lists, seen: lists.map(Set.init))
        case .hll: return .hll(try (0 ..< groups).map { _ in try DistinctSketch.decode(from: &r) })
        case .quantileSketch: return .quantileSketch(try (0 ..< groups).map { _ in try QuantileSketch.decode(from: &r) })
        }
    }
}
