extension QueryExecutor {
    /// Joins the rows with a held table (`buildSource`) on equal keys. The held table is hashed;
    /// each row probes it, once per dictionary entry when its key is dictionary-encoded. NULL
    /// keys never match. `keepProbe`: rows without a match stay with NULLs (LEFT); `keepBuild`:
    /// the held table's unmatched rows are wanted (RIGHT, FULL): appended here when
    /// `appendUnmatched` (all rows are here), else reported by the returned bitmap.
    func hashJoin(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]], probeKeys: [BoundExpression],
                  buildSource: Int, buildKeys: [BoundExpression], keepProbe: Bool, keepBuild: Bool,
                  appendUnmatched: Bool) throws(QueryError) -> (RowSet, [Bool]) {
        let build = RowSet.identity(count: rowCount(of: buildSource), source: buildSource, sources: plan.sources.count)
        return try hashJoin(rows, base, lists, probeKeys: probeKeys, build: build, cacheAs: buildSource, buildKeys: buildKeys,
                            keepProbe: keepProbe, keepBuild: keepBuild, appendUnmatched: appendUnmatched)
    }

    /// The join with a relation of held tables already joined (`build`: the tables before
    /// `ratings` in FROM); `cacheAs` names the held table when `build` is that table whole, so the
    /// join index may be kept for the next blocks.
    func hashJoin(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]], probeKeys: [BoundExpression],
                  build: RowSet, cacheAs buildSource: Int?, buildKeys: [BoundExpression], keepProbe: Bool, keepBuild: Bool,
                  appendUnmatched: Bool) throws(QueryError) -> (RowSet, [Bool]) {
        let buildCount = build.count
        let probeEval = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: rows)
        let pk = try probeKeys.map { (k) throws(QueryError) in try probeEval.eval(k) }
        let index: JoinIndex
        let codeOfRow: [UInt32]?
        if pk.count == 1, case .coded(let codes, let dictionary) = pk[0] {
            // Matches per dictionary entry, the same for every block: built once per dataset.
            let key = buildSource.flatMap { cacheKey(probeKeys[0], buildSource: $0, buildKeys: buildKeys) }
            if let key, let cached = tables.cachedJoinIndex(key) {
                index = cached
            } else {
                index = try buildIndex(base, lists, build: build, buildKeys: buildKeys, probes: dictionary.count) { [dictionary[$0]] }
                if let key { tables.cacheJoinIndex(key, index) }
            }
            codeOfRow = codes
        } else {
            index = try buildIndex(base, lists, build: build, buildKeys: buildKeys, probes: rows.count) { k in pk.map { $0[k] } }
            codeOfRow = nil
        }
        let first = index.first
        let several = index.several

        var probeOut: [Int32] = []
        var buildOut: [Int32] = []
        probeOut.reserveCapacity(rows.count)
        buildOut.reserveCapacity(rows.count)
        var matched = [Bool](repeating: false, count: keepBuild ? buildCount : 0)
        var identity = true
        for k in 0 ..< rows.count {
            let c: Int
            if let codeOfRow {
                let code = codeOfRow[k]
                c = code == UInt32.max ? -1 : Int(code)
            } else {
                c = k
            }
            let m = c < 0 ? -1 : first[c]
            if m >= 0 {
                if probeOut.count != k { identity = false }
                probeOut.append(Int32(k))
                buildOut.append(m)
                if keepBuild { matched[Int(m)] = true }
            } else if m == -2 {
                identity = false
                for b in several[c]! {
                    probeOut.append(Int32(k))
                    buildOut.append(b)
                    if keepBuild { matched[Int(b)] = true }
                }
            } else if keepProbe {
                if probeOut.count != k { identity = false }
                probeOut.append(Int32(k))
                buildOut.append(-1)
            } else {
                identity = false
            }
        }
        if keepBuild && appendUnmatched {
            for b in 0 ..< buildCount where !matched[b] {
                identity = false
                probeOut.append(-1)
                buildOut.append(Int32(b))
            }
        }
        var joined = identity && probeOut.count == rows.count ? rows : rows.picking(probeOut)
        for s in build.sourceRows.indices {
            if case .absent = build.sourceRows[s] { continue }
            joined.sourceRows[s] = .rows(buildOut.map { $0 < 0 ? -1 : Int32(build.row(of: s, Int($0))) })
        }
        return (joined, matched)
    }

    /// Hashes the held table's keys and finds each probe's matches (`probeKey(p)` for p in 0 ..< probes).
    private func buildIndex(_ base: [[Vector]], _ lists: [[Int: ListColumn]], build: RowSet, buildKeys: [BoundExpression],
                            probes: Int, probeKey: (Int) -> [Value]) throws(QueryError) -> JoinIndex {
        let buildCount = build.count
        let buildEval = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: build)
        let bk = try buildKeys.map { (k) throws(QueryError) in try buildEval.eval(k) }
        var table: [[Value]: [Int32]] = [:]
        for r in 0 ..< buildCount {
            let key = bk.map { Self.joinKey($0[r]) }
            if key.contains(where: \.isNull) { continue }
            table[key, default: []].append(Int32(r))
        }
        var index = JoinIndex(first: [Int32](repeating: -1, count: probes), several: [:])
        for p in 0 ..< probes {
            guard let m = table[probeKey(p).map(Self.joinKey)] else { continue }
            if m.count == 1 {
                index.first[p] = m[0]
            } else {
                index.first[p] = -2
                index.several[p] = m
            }
        }
        return index
    }

    /// Names a join by its tables and key columns, when both keys are plain columns and the
    /// probe's dictionary is the same in every block: a held table's column, or ratings' `user`
    /// or `item` (dense indices into the id maps). The ratings' own rating dictionary is built per
    /// block, so a join on it is never cached.
    private func cacheKey(_ probe: BoundExpression, buildSource: Int, buildKeys: [BoundExpression]) -> String? {
        guard buildKeys.count == 1, case .column(let ps, let pc) = probe.kind, case .column(let bs, let bc) = buildKeys[0].kind else { return nil }
        let p = plan.sources[ps].schema, b = plan.sources[bs].schema
        if p.isSharded && !["user", "item"].contains(p.columns[pc].name) { return nil }
        return "\(p.name).\(p.columns[pc].name)=\(b.name).\(b.columns[bc].name)"
    }

    /// Keys compare as values: an integral double meets the equal integer.
    static func joinKey(_ v: Value) -> Value { AggregateStates.normalized(v) }
}

/// Where each probe key finds its rows in a held table: `first[p]` is the only match, -1 none,
/// -2 several (listed in `several[p]`).
struct JoinIndex: Sendable {
    var first: [Int32]
    var several: [Int: [Int32]]
}
