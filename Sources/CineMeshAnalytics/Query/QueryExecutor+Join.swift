extension QueryExecutor {
    /// Joins the rows with a held table (`buildSource`) on equal keys. The held table is hashed;
    /// each row probes it, once per dictionary entry when its key is dictionary-encoded. NULL
    /// keys never match. `keepProbe`: rows without a match stay with NULLs (LEFT); `keepBuild`:
    /// the held table's unmatched rows are wanted (RIGHT, FULL): appended here when
    /// `appendUnmatched` (all rows are here), else reported by the returned bitmap.
    func hashJoin(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]], probeKeys: [BoundExpression],
                  buildSource: Int, buildKeys: [BoundExpression], keepProbe: Bool, keepBuild: Bool,
                  appendUnmatched: Bool) throws(QueryError) -> (RowSet, [Bool]) {
        let buildCount = rowCount(of: buildSource)
        let buildRows = RowSet.identity(count: buildCount, source: buildSource, sources: plan.sources.count)
        let buildEval = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: buildRows)
        let bk = try buildKeys.map { (k) throws(QueryError) in try buildEval.eval(k) }
        var table: [[Value]: [Int32]] = [:]
        for r in 0 ..< buildCount {
            let key = bk.map { Self.joinKey($0[r]) }
            if key.contains(where: \.isNull) { continue }
            table[key, default: []].append(Int32(r))
        }
        let probeEval = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: rows)
        let pk = try probeKeys.map { (k) throws(QueryError) in try probeEval.eval(k) }

        // Matches of each probe "code": a dictionary entry, or the row itself.
        // first[c] >= 0: the only match; -1: none; -2: several, in `several[c]`.
        var first: [Int32]
        var several: [Int: [Int32]] = [:]
        let codeOfRow: [UInt32]?
        func record(_ c: Int, _ key: [Value]) {
            guard let m = table[key] else { return }
            if m.count == 1 { first[c] = m[0] } else {
                first[c] = -2
                several[c] = m
            }
        }
        if pk.count == 1, case .coded(let codes, let dictionary) = pk[0] {
            first = [Int32](repeating: -1, count: dictionary.count)
            for c in 0 ..< dictionary.count { record(c, [Self.joinKey(dictionary[c])]) }
            codeOfRow = codes
        } else {
            first = [Int32](repeating: -1, count: rows.count)
            for k in 0 ..< rows.count { record(k, pk.map { Self.joinKey($0[k]) }) }
            codeOfRow = nil
        }

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
        joined.sourceRows[buildSource] = .rows(buildOut)
        return (joined, matched)
    }

    /// Keys compare as values: an integral double meets the equal integer.
    static func joinKey(_ v: Value) -> Value { AggregateStates.normalized(v) }
}
