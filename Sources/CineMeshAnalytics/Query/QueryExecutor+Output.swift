extension QueryExecutor {
    /// Groups the rows and folds every aggregate's states.
    func aggregate(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]]) throws(QueryError) -> QueryPartial {
        let e = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: rows)
        let keys = try plan.groupKeys.map { (k) throws(QueryError) in try e.eval(k) }
        let (groupOf, firstRow) = GroupIndexer.index(keys, count: rows.count)
        var partial = QueryPartial()
        partial.groupCount = firstRow.count
        partial.keyColumns = keys.map { $0.gather(firstRow).decoded() }
        // Aggregates of one argument (count, avg and stddev of rating) evaluate it once; a
        // dictionary-encoded one (ratings) is counted per group and value in one pass.
        var arguments: [(expression: BoundExpression, value: Vector, histogram: GroupHistogram?, flat: Vector?)] = []
        for call in plan.aggregates {
            var states = AggregateStates(call, groups: firstRow.count)
            guard let a = call.argument else {
                try states.update(groupOf: groupOf, argument: nil)
                partial.states.append(states)
                continue
            }
            var i = arguments.firstIndex { $0.expression == a } ?? -1
            if i < 0 {
                let v = try e.eval(a)
                arguments.append((a, v, GroupHistogram(groupOf: groupOf, groups: firstRow.count, argument: v), nil))
                i = arguments.count - 1
            }
            if let h = arguments[i].histogram, !call.distinct, try states.update(histogram: h) {
                partial.states.append(states)
                continue
            }
            if arguments[i].flat == nil {
                let v = arguments[i].value
                arguments[i].flat = v.type.isNumeric ? v.decoded() : v
            }
            try states.update(groupOf: groupOf, argument: arguments[i].flat)
            partial.states.append(states)
        }
        return partial
    }

    /// A plain query's rows: all of them, or with a LIMIT only the first `limit + offset` in
    /// ORDER BY order (ties in row order), each with its output values and then its sort keys.
    func plainRows(_ rows: RowSet, _ base: [[Vector]], _ lists: [[Int: ListColumn]]) throws(QueryError) -> QueryPartial {
        let e = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: rows)
        var chosen: [Int32]?
        if let limit = plan.limit {
            let k = limit + plan.offset
            if plan.order.isEmpty {
                if k < rows.count { chosen = (0 ..< Int32(k)).map { $0 } }
            } else {
                let keys = try plan.order.map { (o) throws(QueryError) in try e.eval(o.key) }
                chosen = Self.topRows(keys, plan.order, count: rows.count, k: k)
            }
        }
        let picked = chosen.map { rows.picking($0) } ?? rows
        let pe = Evaluator(base: base, lists: lists, unnests: plan.unnests, rows: picked)
        let columns = try (plan.outputs + plan.order.map(\.key)).map { (x) throws(QueryError) in try pe.eval(x) }
        var partial = QueryPartial()
        partial.rows = (0 ..< picked.count).map { r in columns.map { $0[r] } }
        return partial
    }

    /// Indices of the first `k` rows in key order (stable), without sorting them all.
    static func topRows(_ keys: [Vector], _ order: [PlanOrder], count: Int, k: Int) -> [Int32] {
        func less(_ a: Int, _ b: Int) -> Bool {
            for (j, o) in order.enumerated() {
                let c = RowOrder.compare(keys[j][a], keys[j][b], o)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        if k >= count / 4 {
            return (0 ..< count).sorted(by: less).prefix(k).map(Int32.init)
        }
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for r in 0 ..< count {
            if best.count == k, let last = best.last, !less(r, last) { continue }
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if less(best[mid], r) { lo = mid + 1 } else { hi = mid }
            }
            best.insert(r, at: lo)
            if best.count > k { best.removeLast() }
        }
        return best.map(Int32.init)
    }
}

/// ORDER BY's comparison of two values under one key: NULLs first or last as the key says.
enum RowOrder {
    static func compare(_ a: Value, _ b: Value, _ o: PlanOrder) -> Int {
        switch (a.isNull, b.isNull) {
        case (true, true): return 0
        case (true, false): return o.nullsFirst ? -1 : 1
        case (false, true): return o.nullsFirst ? 1 : -1
        default:
            let c = Value.order(a, b)
            return o.descending ? -c : c
        }
    }

    /// Compares rows by the keys from index `offset` on.
    static func compare(_ a: [Value], _ b: [Value], _ order: [PlanOrder], offset: Int) -> Int {
        for (j, o) in order.enumerated() {
            let c = compare(a[offset + j], b[offset + j], o)
            if c != 0 { return c }
        }
        return 0
    }
}
