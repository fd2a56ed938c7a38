@testable import CineMeshAnalytics
import CineMeshData
import Foundation

// A deliberately naive, single-process evaluator of a bound `QueryPlan`, written apart from the
// engine so the two can be compared: every table is materialized as rows of `[Value]` (ratings from
// every block), joins are nested loops over rows, WHERE runs row by row, groups are a dictionary
// of key -> rows and every aggregate is computed directly from its rows. It shares with the
// engine only the parser and binder (the plan) and `Scalar.cast` / `Scalar.function` for the two
// functions with the most corner cases (substr, round); no vector code, no GroupIndexer, no
// AggregateStates, no QueryMerger.

/// A table as rows of values. List columns hold their elements joined by `|` (NULL when empty)
/// in `rows`, and their elements in `lists`.
struct RefTable: Sendable {
    var name: String
    var columnNames: [String]
    var columnTypes: [SQLType]
    var rows: [[Value]]
    /// Column index -> per row, the list's (non-empty) elements.
    var lists: [Int: [[String]]]
}

/// The tables of one dataset, materialized once.
final class RefData: Sendable {
    let tables: [String: RefTable]

    init(dataset: Dataset) throws {
        var t: [String: RefTable] = ["ratings": try Self.ratings(dataset)]
        for (name, table) in [("titles", dataset.catalog), ("users", dataset.userAttributes), ("tags", dataset.tags)] {
            if let table { t[name] = Self.small(name, table) }
        }
        tables = t
    }

    private static func allInts(_ ids: [ExternalId]) -> Bool {
        ids.allSatisfy { if case .int = $0 { return true } else { return false } }
    }

    private static func idValue(_ id: ExternalId, _ asInteger: Bool) -> Value {
        if asInteger, case .int(let v) = id { return .integer(v) }
        return .text(id.description)
    }

    /// Every rating of every block, blocks in row-major order.
    static func ratings(_ ds: Dataset) throws -> RefTable {
        let usersInt = allInts(ds.users.ids), itemsInt = allInts(ds.items.ids)
        let hasTimestamps = ds.manifest.timestamps != nil
        var rows: [[Value]] = []
        for r in 0 ..< ds.grid.rows {
            for c in 0 ..< ds.grid.columns {
                let b = try ds.block(row: r, column: c)
                for k in 0 ..< b.count {
                    rows.append([
                        idValue(ds.users.ids[Int(b.users[k])], usersInt),
                        idValue(ds.items.ids[Int(b.items[k])], itemsInt),
                        .double(Double(b.ratings[k])),
                        hasTimestamps && b.timestamps.count == b.count ? .integer(b.timestamps[k]) : .null,
                    ])
                }
            }
        }
        return RefTable(name: "ratings", columnNames: ["user", "item", "rating", "timestamp"],
                        columnTypes: [ds.users.ids.isEmpty ? .null : (usersInt ? .integer : .text),
                                      ds.items.ids.isEmpty ? .null : (itemsInt ? .integer : .text), .double, hasTimestamps ? .integer : .null],
                        rows: rows, lists: [:])
    }

    /// A catalog, user or tag table: ids that are all integers as INTEGER, empty text as NULL,
    /// lists without their empty elements.
    static func small(_ name: String, _ table: ColumnTable) -> RefTable {
        var names: [String] = [], types: [SQLType] = [], columns: [[Value]] = []
        var lists: [Int: [[String]]] = [:]
        for column in table.columns {
            names.append(column.name)
            switch column.values {
            case .int(let v):
                types.append(.integer)
                columns.append(v.map { $0.map(Value.integer) ?? .null })
            case .double(let v):
                types.append(.double)
                columns.append(v.map { $0.map(Value.double) ?? .null })
            case .string(let v):
                let ids = v.map(ExternalId.init)
                if ["user", "item"].contains(column.name.lowercased()), allInts(ids) {
                    types.append(.integer)
                    columns.append(ids.map { idValue($0, true) })
                } else {
                    types.append(.text)
                    columns.append(v.map { $0.isEmpty ? .null : .text($0) })
                }
            case .stringList(let v):
                types.append(.text)
                let elements = v.map { $0.filter { !$0.isEmpty } }
                lists[columns.count] = elements
                columns.append(elements.map { $0.isEmpty ? .null : .text($0.joined(separator: "|")) })
            }
        }
        let rows = (0 ..< table.rowCount).map { r in columns.map { $0[r] } }
        return RefTable(name: name, columnNames: names, columnTypes: types, rows: rows, lists: lists)
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The naive evaluator (one per query run: it caches calendar lookups by day).
final class ReferenceEvaluator {
    let data: RefData
    private var days: [Int64: DateComponents] = [:]
    /// The plan's sources, while `run` runs.
    private var tables: [RefTable] = []

    init(data: RefData) { self.data = data }

    /// One joined row: a row index per plan source (-1: NULL from an outer join) and the current
    /// element of each unnested list.
    struct JoinedRow {
        var source: [Int]
        var elements: [String]
    }

    /// A group: its key values and its aggregates' values.
    struct GroupScope {
        var keys: [Value]
        var aggregates: [Value]
    }

    /// Parses and binds with the engine's binder, then evaluates naively.
    func run(_ sql: String, tables: QueryTables) throws -> QueryResult {
        try run(try Binder.plan(sql, tables: tables))
    }

    func run(_ plan: QueryPlan) throws -> QueryResult {
        let tables: [RefTable] = try plan.sources.map { s -> RefTable in
            guard let t = data.tables[s.schema.name] else { throw ReferenceError("no table \(s.schema.name)") }
            // The engine's schema must be what this evaluator derived on its own.
            guard t.columnNames == s.schema.columns.map(\.name), t.columnTypes == s.schema.columns.map(\.type),
                  Set(t.lists.keys) == Set(s.schema.columns.indices.filter { s.schema.columns[$0].isList }) else {
                throw ReferenceError("schema of \(s.schema.name) differs: engine \(s.schema.columns.map { "\($0.name):\($0.type.rawValue)\($0.isList ? "[]" : "")" }), reference \(zip(t.columnNames, t.columnTypes).map { "\($0):\($1.rawValue)" })")
            }
            return t
        }
        self.tables = tables
        defer { self.tables = [] }
        let n = tables.count

        // FROM and JOINs: nested loops. Right rows are bucketed by their (normalized) key first so
        // the loop only visits candidates, each one still compared value by value.
        var rows = tables[0].rows.indices.map { r in
            JoinedRow(source: [r] + [Int](repeating: -1, count: n - 1), elements: [])
        }
        for (i, join) in plan.joins.enumerated() {
            let right = i + 1
            let rt = tables[right]
            var rightKeys: [[Value]?] = []
            var buckets: [[Value]: [Int]] = [:]
            for r in rt.rows.indices {
                var only = JoinedRow(source: [Int](repeating: -1, count: n), elements: [])
                only.source[right] = r
                let key = try join.rightKeys.map { try eval($0, only, nil) }
                if key.contains(where: \.isNull) {
                    rightKeys.append(nil)
                    continue
                }
                rightKeys.append(key)
                buckets[key.map(Self.normalized), default: []].append(r)
            }
            var out: [JoinedRow] = []
            var rightMatched = [Bool](repeating: false, count: rt.rows.count)
            for row in rows {
                let key = try join.leftKeys.map { try eval($0, row, nil) }
                var matched = false
                if !key.contains(where: \.isNull) {
                    for r in buckets[key.map(Self.normalized)] ?? [] {
                        guard let rk = rightKeys[r], zip(key, rk).allSatisfy({ Self.compare($0, $1) == 0 }) else { continue }
                        var joined = row
                        joined.source[right] = r
                        out.append(joined)
                        rightMatched[r] = true
                        matched = true
                    }
                }
                if !matched && (join.kind == .left || join.kind == .full) { out.append(row) }
            }
            if join.kind == .right || join.kind == .full {
                for r in rt.rows.indices where !rightMatched[r] {
                    var only = JoinedRow(source: [Int](repeating: -1, count: n), elements: [])
                    only.source[right] = r
                    out.append(only)
                }
            }
            rows = out
        }

        // Unnesting: one row per element, in list order; several lists multiply.
        for u in plan.unnests {
            var out: [JoinedRow] = []
            for row in rows {
                let r = row.source[u.source]
                guard r >= 0 else { continue }
                for element in tables[u.source].lists[u.column]![r] {
                    var x = row
                    x.elements.append(element)
                    out.append(x)
                }
            }
            rows = out
        }

        // WHERE, row by row: every conjunct must be true.
        rows = try rows.filter { row in
            try plan.filters.allSatisfy { try eval($0, row, nil) == .boolean(true) }
        }

        // (output values, sort keys) per result row.
        var result: [(out: [Value], keys: [Value])] = []
        if plan.isAggregate {
            var groupOf: [[Value]: Int] = [:]
            var keys: [[Value]] = []
            var members: [[Int]] = []
            for (k, row) in rows.enumerated() {
                let key = try plan.groupKeys.map { try eval($0, row, nil) }
                if let g = groupOf[key] {
                    members[g].append(k)
                } else {
                    groupOf[key] = keys.count
                    keys.append(key)
                    members.append([k])
                }
            }
            if keys.isEmpty && plan.groupKeys.isEmpty {
                keys = [[]]
                members = [[]]
            }
            var aggregateValues = [[Value]](repeating: [], count: keys.count)
            for call in plan.aggregates {
                // The argument of every row, once.
                let arguments: [Value]? = try call.argument.map { a in try rows.map { try eval(a, $0, nil) } }
                var prior = 0.0
                if call.function == .bayesAvg {
                    if call.parameters.count > 1 {
                        prior = call.parameters[1]
                    } else {
                        let xs = arguments!.compactMap(\.number)
                        prior = xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count)
                    }
                }
                for g in keys.indices {
                    let values = arguments.map { a in members[g].map { a[$0] } }
                    aggregateValues[g].append(try Self.aggregate(call, rows: members[g].count, values: values, prior: prior))
                }
            }
            for g in keys.indices {
                let scope = GroupScope(keys: keys[g], aggregates: aggregateValues[g])
                if let having = plan.having, try eval(having, nil, scope) != .boolean(true) { continue }
                result.append((try plan.outputs.map { try eval($0, nil, scope) },
                               try plan.order.map { try eval($0.key, nil, scope) }))
            }
        } else {
            for row in rows {
                result.append((try plan.outputs.map { try eval($0, row, nil) },
                               try plan.order.map { try eval($0.key, row, nil) }))
            }
        }

        if plan.distinct {
            var seen = Set<[Value]>()
            result = result.filter { seen.insert($0.out).inserted }
        }

        // ORDER BY: a stable sort (insertion order breaks ties).
        let keys = result.map(\.keys)
        let directions = plan.order.map { ($0.descending, $0.nullsFirst) }
        let sortedIndices = Array(result.indices).sorted { a, b in
            for j in 0 ..< directions.count {
                let c = Self.orderCompare(keys[a][j], keys[b][j], descending: directions[j].0, nullsFirst: directions[j].1)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        var page = sortedIndices.map { result[$0].out }
        page = Array(page.dropFirst(plan.offset))
        if let limit = plan.limit { page = Array(page.prefix(limit)) }
        return QueryResult(columns: plan.columnNames, types: plan.columnTypes, rows: page)
    }

    // MARK: Aggregates, from a group's rows

    /// `values`: the argument of each row of the group (nil for count(*)).
    static func aggregate(_ call: AggregateCall, rows: Int, values: [Value]?, prior: Double) throws -> Value {
        guard let values else { return .integer(Int64(rows)) }  // count(*)
        var present = values.filter { !$0.isNull }
        if call.distinct {
            var seen = Set<Value>()
            present = present.filter { seen.insert(normalized($0)).inserted }
        }
        let xs = present.compactMap(\.number)
        func typed(_ v: Value) -> Value {
            if call.type == .double, case .integer(let i) = v { return .double(Double(i)) }
            return v
        }
        func sortedNumbers() -> [Double] { xs.sorted() }
        func interpolated(_ q: Double) -> Value {
            let s = sortedNumbers()
            guard !s.isEmpty else { return .null }
            let pos = q * Double(s.count - 1)
            let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
            return .double(s[lo] + (pos - Double(lo)) * (s[hi] - s[lo]))
        }
        func moments() -> (n: Double, ss: Double) {
            let mean = xs.reduce(0, +) / Double(xs.count)
            return (Double(xs.count), xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) })
        }
        switch call.function {
        case .count:
            return .integer(Int64(present.count))
        case .approxCountDistinct:
            return .integer(Int64(Set(present.map(normalized)).count))
        case .sum:
            guard !present.isEmpty else { return .null }
            if call.type == .integer {
                var s: Int64 = 0
                for v in present {
                    guard case .integer(let i) = normalized(v) else { throw ReferenceError("sum of a non-integer \(v)") }
                    let (r, overflow) = s.addingReportingOverflow(i)
                    if overflow { throw QueryError("integer overflow in sum()", at: nil) }
                    s = r
                }
                return .integer(s)
            }
            return .double(xs.reduce(0, +))
        case .avg:
            return xs.isEmpty ? .null : .double(xs.reduce(0, +) / Double(xs.count))
        case .min, .max:
            guard var best = present.first else { return .null }
            for v in present.dropFirst() {
                let c = compare(v, best)
                if call.function == .min ? c < 0 : c > 0 { best = v }
            }
            return typed(best)
        case .varSamp, .stddevSamp, .varPop, .stddevPop:
            let sample = call.function == .varSamp || call.function == .stddevSamp
            guard xs.count >= (sample ? 2 : 1) else { return .null }
            let (n, ss) = moments()
            let v = ss / (sample ? n - 1 : n)
            return .double(call.function == .stddevSamp || call.function == .stddevPop ? v.squareRoot() : v)
        case .median:
            return interpolated(0.5)
        case .quantileCont:
            return interpolated(call.parameters[0])
        case .quantileDisc, .approxQuantile:
            // approx_quantile: the exact answer; the tests compare within a rank error.
            guard !present.isEmpty else { return .null }
            let index = min(max(0, Int((Double(present.count) * call.parameters[0]).rounded(.up)) - 1), present.count - 1)
            if xs.count == present.count {
                let x = sortedNumbers()[index]
                return call.type == .integer ? .integer(Int64(x)) : .double(x)
            }
            return typed(present.sorted { Self.compare($0, $1) < 0 }[index])
        case .bayesAvg:
            let m = call.parameters[0]
            let denominator = Double(xs.count) + m
            guard denominator != 0 else { return .null }
            return .double((xs.reduce(0, +) + m * prior) / denominator)
        }
    }

    // MARK: Values

    /// Integral doubles as integers, so keys and DISTINCT see 4 and 4.0 as one value.
    static func normalized(_ v: Value) -> Value {
        if case .double(let d) = v, d == d.rounded(), abs(d) < 9e15 { return .integer(Int64(d)) }
        return v
    }

    /// Numbers by value, text by UTF-8 bytes, false before true; NULL after everything.
    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)):
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (x ? 1 : -1)
        default:
            guard let x = a.number, let y = b.number else { return a.type.rawValue < b.type.rawValue ? -1 : 1 }
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    static func orderCompare(_ a: Value, _ b: Value, descending: Bool, nullsFirst: Bool) -> Int {
        switch (a.isNull, b.isNull) {
        case (true, true): return 0
        case (true, false): return nullsFirst ? -1 : 1
        case (false, true): return nullsFirst ? 1 : -1
        default: return descending ? -compare(a, b) : compare(a, b)
        }
    }

    // MARK: Expressions, one row (or one group) at a time

    func eval(_ e: BoundExpression, _ row: JoinedRow?, _ group: GroupScope?) throws -> Value {
        switch e.kind {
        case .constant(let v):
            return v
        case .column(let s, let c), .listText(let s, let c):
            guard let row else { throw ReferenceError("a column outside a row") }
            let r = row.source[s]
            return r < 0 ? .null : tables[s].rows[r][c]
        case .element(let u):
            guard let row else { throw ReferenceError("an element outside a row") }
            return .text(row.elements[u])
        case .groupKey(let k):
            guard let group else { throw ReferenceError("a group key outside a group") }
            return group.keys[k]
        case .aggregate(let k):
            guard let group else { throw ReferenceError("an aggregate outside a group") }
            return group.aggregates[k]
        case .unary(.negate, let a):
            switch try eval(a, row, group) {
            case .integer(let i):
                guard i != .min else { throw QueryError("integer overflow in unary minus", at: nil) }
                return .integer(-i)
            case .double(let d): return .double(-d)
            default: return .null
            }
        case .unary(.not, let a):
            guard case .boolean(let b) = try eval(a, row, group) else { return .null }
            return .boolean(!b)
        case .binary(let op, let a, let b):
            let x = try eval(a, row, group), y = try eval(b, row, group)
            switch op {
            case .and, .or:
                let p = Self.truth(x), q = Self.truth(y)
                if op == .and {
                    if p == false || q == false { return .boolean(false) }
                    return p == nil || q == nil ? .null : .boolean(true)
                }
                if p == true || q == true { return .boolean(true) }
                return p == nil || q == nil ? .null : .boolean(false)
            case .add, .subtract, .multiply, .divide, .modulo:
                return try Self.arithmetic(op, x, y)
            case .concat:
                guard case .text(let s) = x, case .text(let t) = y else { return .null }
                return .text(s + t)
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
                if x.isNull || y.isNull { return .null }
                let c = Self.compare(x, y)
                switch op {
                case .equal: return .boolean(c == 0)
                case .notEqual: return .boolean(c != 0)
                case .less: return .boolean(c < 0)
                case .lessOrEqual: return .boolean(c <= 0)
                case .greater: return .boolean(c > 0)
                default: return .boolean(c >= 0)
                }
            }
        case .function(let f, let args):
            return try function(f, try args.map { try eval($0, row, group) })
        case .inList(let a, let list, let negated):
            let x = try eval(a, row, group)
            if x.isNull { return .null }
            var sawNull = false
            for item in list {
                let y = try eval(item, row, group)
                if y.isNull { sawNull = true } else if Self.compare(x, y) == 0 { return .boolean(!negated) }
            }
            return sawNull ? .null : .boolean(negated)
        case .like(let a, let p, let ci, let negated):
            guard case .text(let s) = try eval(a, row, group), case .text(let pattern) = try eval(p, row, group) else { return .null }
            let m = Self.like(Array(ci ? s.lowercased() : s), Array(ci ? pattern.lowercased() : pattern))
            return .boolean(m != negated)
        case .isNull(let a, let negated):
            return .boolean(try eval(a, row, group).isNull != negated)
        case .caseWhen(let parts, let otherwise):
            var i = 0
            while i + 1 < parts.count {
                if try eval(parts[i], row, group) == .boolean(true) { return try eval(parts[i + 1], row, group) }
                i += 2
            }
            return try otherwise.map { try eval($0, row, group) } ?? .null
        case .cast(let a, let type):
            return try Scalar.cast(try eval(a, row, group), to: type)
        }
    }

    static func truth(_ v: Value) -> Bool? {
        if case .boolean(let b) = v { return b }
        return nil
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
        if a.isNull || b.isNull { return .null }
        if case .integer(let x) = a, case .integer(let y) = b, op != .divide {
            let r: (partialValue: Int64, overflow: Bool)
            switch op {
            case .add: r = x.addingReportingOverflow(y)
            case .subtract: r = x.subtractingReportingOverflow(y)
            case .multiply: r = x.multipliedReportingOverflow(by: y)
            default:
                if y == 0 { return .null }
                r = x.remainderReportingOverflow(dividingBy: y)
            }
            if r.overflow { throw QueryError("integer overflow", at: nil) }
            return .integer(r.partialValue)
        }
        guard let x = a.number, let y = b.number else { throw ReferenceError("arithmetic on \(a) and \(b)") }
        switch op {
        case .add: return .double(x + y)
        case .subtract: return .double(x - y)
        case .multiply: return .double(x * y)
        case .divide: return y == 0 ? .null : .double(x / y)
        default: return y == 0 ? .null : .double(fmod(x, y))
        }
    }

    /// LIKE by dynamic programming over characters: `%` any run, `_` one character.
    static func like(_ s: [Character], _ p: [Character]) -> Bool {
        // can[j]: pattern prefix of length j matches the text prefix seen so far.
        var can = [Bool](repeating: false, count: p.count + 1)
        can[0] = true
        for j in 0 ..< p.count where p[j] == "%" { can[j + 1] = can[j] }
        for ch in s {
            var next = [Bool](repeating: false, count: p.count + 1)
            for j in 0 ..< p.count {
                if p[j] == "%" {
                    next[j + 1] = next[j] || can[j + 1]
                } else if p[j] == "_" || p[j] == ch {
                    next[j + 1] = can[j]
                }
            }
            can = next
        }
        return can[p.count]
    }

    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Calendar parts by Foundation's Gregorian calendar in UTC (the day's parts looked up once).
    func dateParts(_ t: Int64) -> DateComponents {
        let day = Int64((Double(t) / 86400).rounded(.down))
        var d = days[day] ?? {
            let c = Self.utc.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: TimeInterval(day * 86400)))
            days[day] = c
            return c
        }()
        d.hour = Self.utc.dateComponents([.hour], from: Date(timeIntervalSince1970: TimeInterval(t))).hour
        return d
    }

    func function(_ f: ScalarFunction, _ args: [Value]) throws -> Value {
        switch f {
        case .coalesce: return args.first { !$0.isNull } ?? .null
        case .nullif:
            if !args[0].isNull, !args[1].isNull, Self.compare(args[0], args[1]) == 0 { return .null }
            return args[0]
        default: break
        }
        if args.contains(where: \.isNull) { return .null }
        func text() -> String { if case .text(let s) = args[0] { return s } else { return "" } }
        switch f {
        case .lower: return .text(text().lowercased())
        case .upper: return .text(text().uppercased())
        case .length: return .integer(Int64(text().count))
        case .trim:
            let s = text().unicodeScalars
            guard let first = s.firstIndex(where: { !$0.properties.isWhitespace }) else { return .text("") }
            let last = s.lastIndex(where: { !$0.properties.isWhitespace })!
            return .text(String(s[first ... last]))
        case .abs:
            if case .integer(let i) = args[0] {
                guard i != .min else { throw QueryError("integer overflow", at: nil) }
                return .integer(i < 0 ? -i : i)
            }
            return .double(Swift.abs(args[0].number!))
        case .floor, .ceil:
            if case .integer = args[0] { return args[0] }
            return .double(f == .floor ? Foundation.floor(args[0].number!) : Foundation.ceil(args[0].number!))
        case .substr, .round:
            return try Scalar.function(f, args)
        case .year, .month, .day, .hour, .weekday:
            guard case .integer(let t) = args[0] else { return .null }
            let d = dateParts(t)
            switch f {
            case .year: return .integer(Int64(d.year!))
            case .month: return .integer(Int64(d.month!))
            case .day: return .integer(Int64(d.day!))
            case .hour: return .integer(Int64(d.hour!))
            default: return .integer(Int64(d.weekday! - 1))
            }
        case .dateTrunc:
            guard case .text(let unit) = args[0], case .integer(let t) = args[1] else { return .null }
            let d = dateParts(t)
            var (y, m, day) = (d.year!, d.month!, d.day!)
            switch unit.lowercased() {
            case "year": (m, day) = (1, 1)
            case "quarter": (m, day) = ((m - 1) / 3 * 3 + 1, 1)
            case "month": day = 1
            case "week":
                let back = (d.weekday! + 5) % 7  // days since Monday
                let monday = dateParts(t - Int64(back) * 86400)
                (y, m, day) = (monday.year!, monday.month!, monday.day!)
            default: break
            }
            let date = String(format: "%04d-%02d-%02d", y, m, day)
            return .text(unit.lowercased() == "hour" ? date + String(format: " %02d:00:00", d.hour!) : date)
        case .coalesce, .nullif:
            return .null
        }
    }
}
