import CineMeshData

/// Runs a plan over one rating block (or, for a query that reads no ratings, over the whole
/// query) and returns the block's `QueryPartial`:
///
/// 1. scan the block's columns (the sharded source) or the held table;
/// 2. filter by the WHERE conjuncts that read only that source ("pushed into the scan"), unless
///    an outer join could bring its rows back as NULLs;
/// 3. join the held tables by hash (keyed once per dictionary entry when the probe key is
///    dictionary-encoded, as ratings' `item` and `user` are);
/// 4. filter by the conjuncts that need the joined tables, unnest the lists the query names,
///    filter by the rest;
/// 5. group and fold each aggregate's states, or keep the rows a LIMIT could still want.
public struct QueryExecutor: Sendable {
    public let plan: QueryPlan
    let tables: QueryTables

    /// Parses, binds and prepares `text` over `tables`.
    public init(_ text: String, tables: QueryTables) throws(QueryError) {
        self.init(plan: try Binder.plan(text, tables: tables), tables: tables)
    }

    /// The columns of the sharded source the plan reads: the others are never built.
    let shardedColumns: Set<Int>

    /// SELECT DISTINCT without aggregates runs as a GROUP BY of its outputs.
    public init(plan: QueryPlan, tables: QueryTables) {
        var p = plan
        if p.distinct && !p.isAggregate {
            p.groupKeys = p.outputs
            p.order = p.order.map { o in
                var o = o
                o.key = BoundExpression(.groupKey(p.outputs.firstIndex(of: o.key)!), o.key.type)
                return o
            }
            p.outputs = p.outputs.enumerated().map { BoundExpression(.groupKey($0.offset), $0.element.type) }
            p.isAggregate = true
        }
        self.plan = p
        self.tables = tables
        var read = Set<Int>()
        if let sharded = p.shardedSource {
            for e in p.rowExpressions { e.columns(of: sharded, into: &read) }
        }
        shardedColumns = read
    }

    /// A partial from the wire, checked against this plan's shape (aggregates, key columns, row
    /// width, the kept table's size): bytes from a damaged or foreign worker are an error here,
    /// never an index out of range in the merge.
    public func decodePartial(_ bytes: [UInt8]) throws -> QueryPartial {
        let p = try QueryPartial.decode(bytes, calls: plan.aggregates)
        let file = "query partial"
        if plan.isAggregate {
            guard p.keyColumns.count == plan.groupKeys.count, p.rows.isEmpty else {
                throw DataError(.damaged, file: file, "\(p.keyColumns.count) key columns, expected \(plan.groupKeys.count)")
            }
        } else {
            let width = plan.outputs.count + plan.order.count
            guard p.groupCount == 0, p.rows.allSatisfy({ $0.count == width }) else {
                throw DataError(.damaged, file: file, "rows of another width than \(width)")
            }
        }
        if let m = p.matched {
            let kept = plan.shardedSource == 1 ? 0 : 1
            guard keepsUnmatchedRows, m.count == rowCount(of: kept) else {
                throw DataError(.damaged, file: file, "a match bitmap of \(m.count) rows where none or another size is due")
            }
        }
        return p
    }

    /// True when rows of a held table that match no rating at all must appear (an outer join
    /// keeping the catalog side against ratings): they come from `unmatchedPartial` after the
    /// blocks, given which rows the blocks matched.
    public var keepsUnmatchedRows: Bool {
        guard let start = plan.shardedSource, let join = plan.joins.first else { return false }
        return join.kind == .full || (start == 1 ? join.kind == .left : join.kind == .right)
    }

    /// The partial of one rating block; `block` nil for a query that reads no ratings.
    public func partial(block: QueryBlock?) throws(QueryError) -> QueryPartial {
        let start = plan.shardedSource ?? 0
        let (base, lists) = inputs(block)
        let count = block?.block.count ?? tables.small[plan.sources[start].schema.name]!.rowCount
        var rows = RowSet.identity(count: count, source: start, sources: plan.sources.count)
        var pending = Array(plan.filters.indices)
        if !sourceCanBeNullExtended(start) {
            rows = try filter(rows, base, lists, &pending) { refs, elements in refs.isSubset(of: [start]) && elements.isEmpty }
        }
        var matched: [Bool]?
        var firstJoin = 0
        if start >= 2 {
            // Held tables before ratings in FROM: joined among themselves first, then ratings
            // probes that relation through the join that names it.
            var prefix = RowSet.identity(count: rowCount(of: 0), source: 0, sources: plan.sources.count)
            for i in 0 ..< start - 1 {
                let join = plan.joins[i]
                (prefix, _) = try hashJoin(prefix, base, lists, probeKeys: join.leftKeys, buildSource: i + 1, buildKeys: join.rightKeys,
                                           keepProbe: join.kind == .left || join.kind == .full,
                                           keepBuild: join.kind == .right || join.kind == .full, appendUnmatched: true)
            }
            let join = plan.joins[start - 1]
            (rows, _) = try hashJoin(rows, base, lists, probeKeys: join.rightKeys, build: prefix, cacheAs: nil, buildKeys: join.leftKeys,
                                     keepProbe: join.kind == .right, keepBuild: false, appendUnmatched: false)
            firstJoin = start
        }
        for (i, join) in plan.joins.enumerated() where i >= firstJoin {
            let joinsSharded = i + 1 == start
            let buildSource = joinsSharded ? 0 : i + 1
            let keepProbe: Bool, keepBuild: Bool
            switch join.kind {
            case .inner: (keepProbe, keepBuild) = (false, false)
            case .full: (keepProbe, keepBuild) = (true, true)
            case .left: (keepProbe, keepBuild) = joinsSharded ? (false, true) : (true, false)
            case .right: (keepProbe, keepBuild) = joinsSharded ? (true, false) : (false, true)
            }
            let (joined, m) = try hashJoin(rows, base, lists, probeKeys: joinsSharded ? join.rightKeys : join.leftKeys,
                                           buildSource: buildSource, buildKeys: joinsSharded ? join.leftKeys : join.rightKeys,
                                           keepProbe: keepProbe, keepBuild: keepBuild, appendUnmatched: block == nil)
            rows = joined
            if block != nil, keepBuild { matched = m }
        }
        return try finishRows(rows, base, lists, pending: pending, matched: matched)
    }

    /// The rows of the kept held table that matched no rating in any block (`matched` is the OR of
    /// the blocks' bitmaps), NULL on the ratings side, as one more partial merged last.
    public func unmatchedPartial(matched: [Bool]?) throws(QueryError) -> QueryPartial {
        let start = plan.shardedSource!
        let kept = start == 1 ? 0 : 1
        let matched = matched ?? [Bool](repeating: false, count: rowCount(of: kept))
        let (base, lists) = inputs(QueryBlock(RatingBlock(row: 0, column: 0, userRange: 0 ..< 0, itemRange: 0 ..< 0)))
        let unmatched = matched.indices.filter { !matched[$0] }.map(Int32.init)
        var sourceRows = [RowSet.Positions](repeating: .absent, count: plan.sources.count)
        sourceRows[kept] = .rows(unmatched)
        let rows = RowSet(count: unmatched.count, sourceRows: sourceRows, elementRows: [])
        return try finishRows(rows, base, lists, pending: Array(plan.filters.indices), matched: nil)
    }

    /// Rows of a held table (for the bitmap of an outer join's kept side).
    func rowCount(of source: Int) -> Int { tables.small[plan.sources[source].schema.name]?.rowCount ?? 0 }

    private func finishRows(_ joined: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]], pending: [Int],
                            matched: [Bool]?) throws(QueryError) -> QueryPartial {
        var pending = pending
        var rows = try filter(joined, base, lists, &pending) { _, elements in elements.isEmpty }
        for u in plan.unnests.indices { rows = unnest(rows, lists, u) }
        rows = try filter(rows, base, lists, &pending) { _, _ in true }
        var partial = plan.isAggregate ? try aggregate(rows, base, lists) : try plainRows(rows, base, lists)
        partial.matched = matched
        partial.rowsScanned = rows.count
        return partial
    }

    // MARK: Steps

    private func inputs(_ block: QueryBlock?) -> ([[Vector]], [[Int: ListColumn]]) {
        var base: [[Vector]] = []
        var lists: [[Int: ListColumn]] = []
        for s in plan.sources {
            if s.schema.isSharded {
                base.append(block.map { tables.columns(of: $0, reading: shardedColumns) } ?? [])
                lists.append([:])
            } else {
                let t = tables.small[s.schema.name]!
                base.append(t.columns)
                lists.append(t.lists)
            }
        }
        return (base, lists)
    }

    /// True when an outer join may add rows where `source` is all NULL: its filters cannot run early.
    private func sourceCanBeNullExtended(_ source: Int) -> Bool {
        for (i, j) in plan.joins.enumerated() {
            let right = i + 1
            switch j.kind {
            case .inner: continue
            case .full: return true
            case .left: if source == right { return true }
            case .right: if source < right { return true }
            }
        }
        return false
    }

    /// Applies (and removes from `pending`) the conjuncts `eligible` accepts by their references.
    private func filter(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]], _ pending: inout [Int],
                        _ eligible: (Set<Int>, Set<Int>) -> Bool) throws(QueryError) -> RowSet {
        var rows = rows
        var kept: [Int] = []
        for f in pending {
            var refs = Set<Int>(), elements = Set<Int>()
            plan.filters[f].references(sources: &refs, elements: &elements)
            guard eligible(refs, elements) else {
                kept.append(f)
                continue
            }
            let e = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: rows)
            let selected = Evaluator.selection(try e.eval(plan.filters[f]))
            if selected.count != rows.count { rows = rows.picking(selected) }
        }
        pending = kept
        return rows
    }

    /// One row per element of unnested list `u` (rows whose list is empty or NULL go).
    private func unnest(_ rows: RowSet, _ lists: [[Int: ListColumn]], _ u: Int) -> RowSet {
        let ref = plan.unnests[u]
        let list = lists[ref.source][ref.column]!
        let n = rows.count
        let sourceRows: [Int32]? = { if case .rows(let r) = rows.sourceRows[ref.source] { return r } else { return nil } }()
        let absent: Bool = { if case .absent = rows.sourceRows[ref.source] { return true } else { return false } }()
        if absent { return rows.picking([]) }
        // Count first, then fill exact-size arrays: no growth, no per-row branches on the layout.
        var total = 0
        list.offsets.withUnsafeBufferPointer { o in
            if let sourceRows {
                for k in 0 ..< n where sourceRows[k] >= 0 { total += Int(o[Int(sourceRows[k]) + 1] - o[Int(sourceRows[k])]) }
            } else {
                total = Int(o[n] - o[0])
            }
        }
        var picks = [Int32](repeating: 0, count: total)
        var elements = [Int32](repeating: 0, count: total)
        let identity = [Int32](unsafeUninitializedCapacity: sourceRows == nil ? n : 0) { b, c in
            for k in 0 ..< b.count { b[k] = Int32(k) }
            c = b.count
        }
        (sourceRows ?? identity).withUnsafeBufferPointer { rowOf in
            list.offsets.withUnsafeBufferPointer { o in
                picks.withUnsafeMutableBufferPointer { p in
                    elements.withUnsafeMutableBufferPointer { e in
                        var w = 0
                        for k in 0 ..< n {
                            let r = Int(rowOf[k])
                            if r < 0 { continue }
                            var x = o[r]
                            let end = o[r + 1]
                            while x < end {
                                p[w] = Int32(k)
                                e[w] = x
                                w += 1
                                x += 1
                            }
                        }
                    }
                }
            }
        }
        var out = rows.picking(picks)
        out.elementRows.append(elements)
        return out
    }
}
