/// Merges the blocks' partials, in block order, into the query's result: groups by their key
/// values (a group's states fold in the order their blocks come), plain rows kept to what the
/// LIMIT can still use. Then `finish` evaluates the outputs, HAVING, ORDER BY and LIMIT over
/// the merged groups. Holds only the merged groups and rows, never a block's rows.
public struct QueryMerger {
    private let executor: QueryExecutor
    private var keys: GroupKeyTable
    private var states: [AggregateStates]
    private var rows: [[Value]] = []
    /// The OR of the blocks' match bitmaps (outer joins keeping a held table's rows).
    public private(set) var matched: [Bool]?
    /// Rows the blocks had after their filters.
    public private(set) var rowsScanned = 0

    public init(_ executor: QueryExecutor) {
        self.executor = executor
        states = executor.plan.aggregates.map { AggregateStates($0, groups: 0) }
        keys = GroupKeyTable(keys: executor.plan.groupKeys.count)
    }

    private var plan: QueryPlan { executor.plan }

    /// Candidate rows of a plain query held so far.
    public var rowCount: Int { rows.count }

    /// Groups so far (for progress and memory accounting).
    public var groupCount: Int { keys.count }

    /// Most values the exact aggregates (median, quantiles, DISTINCT) may keep in a query: each
    /// one travels and is held, so past this the query stops and asks for the sketches.
    public static let exactValueLimit = 100_000_000
    private var valuesHeld = 0

    /// Folds in the next block's partial.
    public mutating func add(_ p: QueryPartial) throws(QueryError) {
        rowsScanned += p.rowsScanned
        if let m = p.matched {
            matched = matched.map { zip($0, m).map { $0 || $1 } } ?? m
        }
        if plan.isAggregate {
            let before = keys.count
            let target = keys.groups(of: p.keyColumns, count: p.groupCount)
            let added = keys.count - before
            for a in states.indices {
                if added > 0 { states[a].grow(by: added, plan.aggregates[a]) }
                try states[a].merge(p.states[a], into: target)
                valuesHeld += p.states[a].valuesHeld
            }
            if valuesHeld > Self.exactValueLimit {
                throw QueryError("median, quantiles and DISTINCT keep every value, and this query would keep more than \(Self.exactValueLimit); use approx_quantile or approx_count_distinct", at: nil)
            }
        } else {
            rows.append(contentsOf: p.rows)
            if let limit = plan.limit, rows.count > 2 * (limit + plan.offset) + 1024 { rows = sorted(rows, keep: limit + plan.offset) }
        }
    }

    /// The result, after every partial (and `unmatchedPartial` when the executor keeps unmatched rows).
    public func finish() throws(QueryError) -> QueryResult {
        if plan.isAggregate { return try finishGroups() }
        let width = plan.outputs.count
        let out = sorted(rows, keep: plan.limit.map { $0 + plan.offset })
        let end = plan.limit.map { min(out.count, plan.offset + $0) } ?? out.count
        let page = plan.offset < end ? Array(out[plan.offset ..< end]) : []
        return QueryResult(columns: plan.columnNames, types: plan.columnTypes, rows: page.map { Self.finite(Array($0.prefix(width))) })
    }

    /// The merged groups' outputs after HAVING, the first `limit + offset` in ORDER BY order
    /// picked without sorting them all.
    private func finishGroups() throws(QueryError) -> QueryResult {
        var groups = keys.count
        var keyColumns = keys.columns
        var states = self.states
        if groups == 0 && plan.groupKeys.isEmpty {
            groups = 1
            states = plan.aggregates.map { AggregateStates($0, groups: 1) }
        }
        var e = Evaluator(base: [], lists: [], unnests: [],
                          rows: RowSet(count: groups, sourceRows: plan.sources.map { _ in .absent }, elementRows: []))
        e.groupKeys = plan.groupKeys.enumerated().map { j, k in .from(keyColumns[j], type: k.type) }
        keyColumns = []
        var finished: [Vector] = []
        for (state, call) in zip(states, plan.aggregates) { finished.append(try state.finish(call)) }
        e.aggregates = finished
        if let having = plan.having {
            let keep = Evaluator.selection(try e.eval(having))
            if keep.count != groups {
                e.rows = RowSet(count: keep.count, sourceRows: e.rows.sourceRows, elementRows: [])
                e.groupKeys = e.groupKeys.map { $0.gather(keep) }
                e.aggregates = e.aggregates.map { $0.gather(keep) }
            }
        }
        var orderKeys = try plan.order.map { (o) throws(QueryError) in try e.eval(o.key) }
        var outputs = try plan.outputs.map { (x) throws(QueryError) in try e.eval(x) }
        if plan.distinct {
            // SELECT DISTINCT over groups: the first group of each distinct output row.
            var seen = Set<[Value]>()
            let keep = (0 ..< e.rows.count).filter { r in seen.insert(outputs.map { $0[r] }).inserted }.map(Int32.init)
            if keep.count != e.rows.count {
                outputs = outputs.map { $0.gather(keep) }
                orderKeys = orderKeys.map { $0.gather(keep) }
                e.rows = RowSet(count: keep.count, sourceRows: e.rows.sourceRows, elementRows: [])
            }
        }
        let n = e.rows.count
        let picked: [Int32]
        if plan.order.isEmpty {
            picked = (0 ..< Int32(min(n, plan.limit.map { $0 + plan.offset } ?? n))).map { $0 }
        } else {
            picked = QueryExecutor.topRows(orderKeys, plan.order, count: n, k: plan.limit.map { $0 + plan.offset } ?? n)
        }
        let page = picked.dropFirst(plan.offset)
        return QueryResult(columns: plan.columnNames, types: plan.columnTypes,
                           rows: page.map { r in Self.finite(outputs.map { $0[Int(r)] }) })
    }

    /// Infinite and NaN doubles (an overflow, 0 / 0 in a cast) come out as NULL, in every output
    /// format alike (JSON has no such numbers).
    static func finite(_ row: [Value]) -> [Value] {
        row.map { if case .double(let d) = $0, !d.isFinite { return .null } else { return $0 } }
    }

    /// Rows in ORDER BY order (ties keep their order), the first `keep` of them.
    private func sorted(_ rows: [[Value]], keep: Int?) -> [[Value]] {
        guard !plan.order.isEmpty else { return keep.map { Array(rows.prefix($0)) } ?? rows }
        let width = plan.outputs.count
        let order = (0 ..< rows.count).sorted { a, b in
            let c = RowOrder.compare(rows[a], rows[b], plan.order, offset: width)
            return c != 0 ? c < 0 : a < b
        }
        return order.prefix(keep ?? order.count).map { rows[$0] }
    }
}
