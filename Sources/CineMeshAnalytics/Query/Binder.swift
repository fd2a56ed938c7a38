/// Resolves a parsed query against a dataset's tables: table and column names (with errors that
/// list what exists), types (with errors that name both sides), aggregates and grouping, and
/// ORDER BY by position, alias or expression. The result is a `QueryPlan`.
public struct Binder {
    private let tables: QueryTables
    private var sources: [PlanSource] = []
    /// Unqualified names of USING columns and what they mean (the kept side, or a coalesce).
    private var usingColumns: [String: BoundExpression] = [:]
    private var unnests: [UnnestedList] = []
    private var aggregates: [AggregateCall] = []
    private var groupKeys: [BoundExpression] = []
    /// How many sources a join condition may see (the ones joined so far); nil: all.
    private var visibleSources: Int?

    enum Scope {
        /// Over joined rows: WHERE, GROUP BY, the arguments of aggregates, plain SELECT.
        case row
        /// Over groups: SELECT, HAVING and ORDER BY of an aggregate query.
        case grouped
    }

    /// Parses and binds `text`.
    public static func plan(_ text: String, tables: QueryTables) throws(QueryError) -> QueryPlan {
        let statement = try Parser.parse(text)
        var binder = Binder(tables: tables)
        return try binder.bind(statement)
    }

    init(tables: QueryTables) { self.tables = tables }

    // MARK: Statement

    mutating func bind(_ s: SelectStatement) throws(QueryError) -> QueryPlan {
        try addSource(s.from)
        var joins: [PlanJoin] = []
        for j in s.joins {
            try addSource(j.table)
            joins.append(try bindJoin(j))
        }
        if sources.filter(\.schema.isSharded).count > 1 {
            throw QueryError("ratings can be read only once in a query (join it with the catalog, users or tags)", at: s.joins.last?.table.position)
        }
        if let sharded = sources.firstIndex(where: \.schema.isSharded), joins.count > 1,
           joins.enumerated().contains(where: { i, j in
               (j.kind == .full) || (j.kind == .left && i + 1 == sharded) || (j.kind == .right && i + 1 != sharded)
           }) {
            throw QueryError("an outer join that keeps unmatched catalog rows against ratings must be the query's only join", at: s.joins.first?.position)
        }
        var filters: [BoundExpression] = []
        if let w = s.whereClause {
            let e = try bind(w, .row)
            try requireBoolean(e, "WHERE", at: w.position)
            filters = Self.conjuncts(e)
        }

        // SELECT list, with stars expanded.
        var items: [(Expression?, BoundExpression?, String)] = []  // (expression, pre-bound star column, name)
        for item in s.items {
            switch item {
            case .star(let qualifier, let at):
                let chosen = try starSources(qualifier, at: at)
                for si in chosen {
                    for (ci, c) in sources[si].schema.columns.enumerated() {
                        if qualifier == nil, si > 0, usingColumns[c.name.lowercased()] != nil, isUsingDuplicate(si, c.name) { continue }
                        let kind: BoundExpression.Kind = c.isList ? .listText(source: si, column: ci) : .column(source: si, column: ci)
                        let e = qualifier == nil ? (usingColumns[c.name.lowercased()] ?? BoundExpression(kind, c.type)) : BoundExpression(kind, c.type)
                        items.append((nil, e, c.name))
                    }
                }
            case .expression(let e, let alias):
                items.append((e, nil, alias ?? Self.name(of: e)))
            }
        }

        let hasAggregates = s.items.contains { if case .expression(let e, _) = $0 { return Self.containsAggregate(e) } else { return false } }
            || (s.having.map(Self.containsAggregate) ?? false)
        let isAggregate = !s.groupBy.isEmpty || hasAggregates || s.having != nil
        if s.having != nil && s.groupBy.isEmpty && !hasAggregates {
            throw QueryError("HAVING needs GROUP BY or an aggregate", at: s.having?.position)
        }

        // GROUP BY: positions and select aliases first, then expressions.
        for g in s.groupBy {
            let target: Expression
            if case .literal(.integer(let n)) = g.kind {
                guard n >= 1, n <= items.count, let e = items[Int(n) - 1].0 else {
                    throw QueryError("GROUP BY position \(n) is not in the select list (1...\(items.count))", at: g.position)
                }
                target = e
            } else if case .column(nil, let name) = g.kind, !columnExists(name),
                      let match = items.first(where: { $0.2.lowercased() == name.lowercased() }), let e = match.0 {
                target = e
            } else {
                target = g
            }
            if Self.containsAggregate(target) { throw QueryError("GROUP BY cannot hold an aggregate", at: g.position) }
            let key = try bind(target, .row)
            if !groupKeys.contains(key) { groupKeys.append(key) }
            if groupKeys.count > 64 { throw QueryError("GROUP BY takes at most 64 keys", at: g.position) }
        }

        var outputs: [BoundExpression] = []
        var names: [String] = []
        for (e, pre, name) in items {
            if let pre {
                if isAggregate { outputs.append(try groupedStar(pre, name: name, at: s.from.position)) } else { outputs.append(pre) }
            } else if let e {
                outputs.append(try bind(e, isAggregate ? .grouped : .row))
            }
            names.append(name)
        }

        var having: BoundExpression?
        if let h = s.having {
            let e = try bind(h, .grouped)
            try requireBoolean(e, "HAVING", at: h.position)
            having = e
        }

        var order: [PlanOrder] = []
        for o in s.orderBy {
            let key: BoundExpression
            if case .literal(.integer(let n)) = o.expression.kind {
                guard n >= 1, n <= outputs.count else {
                    throw QueryError("ORDER BY position \(n) is not in the select list (1...\(outputs.count))", at: o.expression.position)
                }
                key = outputs[Int(n) - 1]
            } else if case .column(nil, let name) = o.expression.kind,
                      let i = names.firstIndex(where: { $0.lowercased() == name.lowercased() }) {
                // An output name wins over an input column, as in PostgreSQL and DuckDB.
                key = outputs[i]
            } else {
                key = try bind(o.expression, isAggregate ? .grouped : .row)
            }
            if s.distinct && !outputs.contains(key) {
                throw QueryError("with SELECT DISTINCT, ORDER BY expressions must appear in the select list", at: o.expression.position)
            }
            order.append(PlanOrder(key: key, descending: o.descending, nullsFirst: o.nullsFirst ?? false))
        }

        return QueryPlan(sources: sources, joins: joins, unnests: unnests, filters: filters, isAggregate: isAggregate,
                         groupKeys: groupKeys, aggregates: aggregates, outputs: outputs, columnNames: names,
                         columnTypes: outputs.map(\.type), having: having, order: order, distinct: s.distinct,
                         limit: s.limit, offset: s.offset ?? 0)
    }

    /// A star column in a grouped query must be a group key.
    private func groupedStar(_ e: BoundExpression, name: String, at: SourcePosition) throws(QueryError) -> BoundExpression {
        guard let k = groupKeys.firstIndex(of: e) else {
            throw QueryError("column '\(name)' must appear in GROUP BY or be used in an aggregate function", at: at)
        }
        return BoundExpression(.groupKey(k), e.type)
    }

    private mutating func addSource(_ t: TableReference) throws(QueryError) {
        guard let schema = tables.schema(named: t.name) else {
            throw QueryError("no table '\(t.name)' in this dataset (tables: \(tables.schemas.map(\.name).joined(separator: ", ")))", at: t.position)
        }
        let alias = t.alias ?? t.name
        if sources.contains(where: { $0.alias.lowercased() == alias.lowercased() }) {
            throw QueryError("table name '\(alias)' is used twice; give one an alias", at: t.position)
        }
        sources.append(PlanSource(schema: schema, alias: alias))
    }

    private mutating func bindJoin(_ j: JoinClause) throws(QueryError) -> PlanJoin {
        let right = sources.count - 1
        visibleSources = sources.count
        defer { visibleSources = nil }
        var left: [BoundExpression] = []
        var rightKeys: [BoundExpression] = []
        switch j.condition {
        case .using(let names):
            for (name, at) in names {
                guard let rc = sources[right].schema.column(named: name), !sources[right].schema.columns[rc].isList else {
                    throw QueryError("USING column '\(name)' is not a column of \(sources[right].alias)", at: at)
                }
                let l = try resolve(qualifier: nil, name: name, at: at, limit: right)
                let r = BoundExpression(.column(source: right, column: rc), sources[right].schema.columns[rc].type)
                try requireComparable(l, r, at: at)
                left.append(l)
                rightKeys.append(r)
                let merged: BoundExpression
                switch j.kind {
                case .inner, .left: merged = l
                case .right: merged = r
                case .full: merged = BoundExpression(.function(.coalesce, [l, r]), l.type == .null ? r.type : l.type)
                }
                usingColumns[name.lowercased()] = merged
            }
        case .on(let condition):
            let e = try bind(condition, .row)
            try requireBoolean(e, "ON", at: condition.position)
            for c in Self.conjuncts(e) {
                guard case .binary(.equal, let a, let b) = c.kind else {
                    throw QueryError("a join condition must be equalities joined by AND (t1.x = t2.y AND ...)", at: condition.position)
                }
                var sa = Set<Int>(), sb = Set<Int>(), ea = Set<Int>(), eb = Set<Int>()
                a.references(sources: &sa, elements: &ea)
                b.references(sources: &sb, elements: &eb)
                guard ea.isEmpty, eb.isEmpty else {
                    throw QueryError("a join condition cannot use an unnested list", at: condition.position)
                }
                if sa == [right], !sb.isEmpty, !sb.contains(right) {
                    left.append(b)
                    rightKeys.append(a)
                } else if sb == [right], !sa.isEmpty, !sa.contains(right) {
                    left.append(a)
                    rightKeys.append(b)
                } else {
                    throw QueryError("each equality of a join condition must compare \(sources[right].alias) with a table joined before it", at: condition.position)
                }
            }
        }
        return PlanJoin(kind: j.kind, leftKeys: left, rightKeys: rightKeys)
    }

    private func starSources(_ qualifier: String?, at: SourcePosition) throws(QueryError) -> [Int] {
        guard let q = qualifier else { return Array(sources.indices) }
        guard let i = sources.firstIndex(where: { $0.alias.lowercased() == q.lowercased() }) else {
            throw QueryError("no table or alias '\(q)' in FROM (\(sources.map(\.alias).joined(separator: ", ")))", at: at)
        }
        return [i]
    }

    /// A USING column of a later source is shown once, by its merged value.
    private func isUsingDuplicate(_ source: Int, _ name: String) -> Bool {
        sources[..<source].contains { $0.schema.column(named: name) != nil }
    }

    private func columnExists(_ name: String) -> Bool {
        sources.contains { $0.schema.column(named: name) != nil || $0.schema.list(singular: name) != nil }
    }

    static func conjuncts(_ e: BoundExpression) -> [BoundExpression] {
        if case .binary(.and, let a, let b) = e.kind { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    /// The output name of an unaliased select item: a column's name (an unnested list's
    /// singular name), else the expression as written (`avg(rating)`, `count(*)`).
    static func name(of e: Expression) -> String {
        switch e.kind {
        case .column(_, let n): return n
        case .call("unnest", let args, _, _) where args.count == 1: return name(of: args[0])
        default: return e.sql
        }
    }

    static func containsAggregate(_ e: Expression) -> Bool {
        switch e.kind {
        case .call(let f, let args, _, _):
            return AggregateFunction(called: f) != nil || args.contains(where: containsAggregate)
        case .literal, .column: return false
        case .unary(_, let a), .isNull(let a, _), .cast(let a, _): return containsAggregate(a)
        case .binary(_, let a, let b), .like(let a, let b, _, _): return containsAggregate(a) || containsAggregate(b)
        case .inList(let a, let l, _): return containsAggregate(a) || l.contains(where: containsAggregate)
        case .between(let a, let b, let c, _): return [a, b, c].contains(where: containsAggregate)
        case .caseWhen(let o, let br, let other):
            return (o.map(containsAggregate) ?? false) || br.contains { containsAggregate($0.0) || containsAggregate($0.1) }
                || (other.map(containsAggregate) ?? false)
        }
    }

    // MARK: Names

    /// Resolves a column reference among the first `limit` sources (all when nil).
    private mutating func resolve(qualifier: String?, name: String, at: SourcePosition, limit: Int? = nil) throws(QueryError) -> BoundExpression {
        let visible = Array(sources.prefix(limit ?? visibleSources ?? sources.count).enumerated())
        var candidates: [(Int, String, BoundExpression)] = []
        if let q = qualifier {
            guard let (si, src) = visible.first(where: { $0.element.alias.lowercased() == q.lowercased() }) else {
                throw QueryError("no table or alias '\(q)' in FROM (\(visible.map(\.element.alias).joined(separator: ", ")))", at: at)
            }
            if let c = try candidate(si, src, name) { candidates.append(c) }
            guard let found = candidates.first else {
                throw QueryError("no column '\(name)' in \(q) (\(src.schema.name): \(Self.columnList(src.schema)))", at: at)
            }
            return found.2
        }
        if limit == nil, let merged = usingColumns[name.lowercased()] { return merged }
        for (si, src) in visible {
            if let c = try candidate(si, src, name) { candidates.append(c) }
        }
        if candidates.count > 1 {
            throw QueryError("column '\(name)' is ambiguous: \(candidates.map { "\($0.1).\(name)" }.joined(separator: ", "))", at: at)
        }
        guard let found = candidates.first else {
            let listing = visible.map { "\($0.element.schema.name): \(Self.columnList($0.element.schema))" }.joined(separator: "; ")
            throw QueryError("no column '\(name)' (\(listing))", at: at)
        }
        return found.2
    }

    private mutating func candidate(_ si: Int, _ src: PlanSource, _ name: String) throws(QueryError) -> (Int, String, BoundExpression)? {
        if let ci = src.schema.column(named: name) {
            let c = src.schema.columns[ci]
            return (si, src.alias, BoundExpression(c.isList ? .listText(source: si, column: ci) : .column(source: si, column: ci), c.type))
        }
        if let ci = src.schema.list(singular: name) {
            return (si, src.alias, element(si, ci))
        }
        return nil
    }

    private mutating func element(_ source: Int, _ column: Int) -> BoundExpression {
        let u = UnnestedList(source: source, column: column)
        let index = unnests.firstIndex(of: u) ?? {
            unnests.append(u)
            return unnests.count - 1
        }()
        return BoundExpression(.element(index), .text)
    }

    static func columnList(_ s: TableSchema) -> String {
        s.columns.map { $0.isList ? "\($0.name) (list; \($0.singularName))" : $0.name }.joined(separator: ", ")
    }

    // MARK: Checks

    func requireBoolean(_ e: BoundExpression, _ clause: String, at: SourcePosition) throws(QueryError) {
        guard e.type == .boolean || e.type == .null else {
            throw QueryError("\(clause) needs a BOOLEAN condition, got \(e.type.rawValue)", at: at)
        }
    }

    func requireComparable(_ a: BoundExpression, _ b: BoundExpression, at: SourcePosition) throws(QueryError) {
        if a.type == .null || b.type == .null || a.type == b.type || (a.type.isNumeric && b.type.isNumeric) { return }
        throw QueryError("cannot compare \(a.type.rawValue) with \(b.type.rawValue)", at: at)
    }

    // MARK: Expressions (Binder+Expressions.swift)

    mutating func registerAggregate(_ call: AggregateCall) -> Int {
        if let i = aggregates.firstIndex(of: call) { return i }
        aggregates.append(call)
        return aggregates.count - 1
    }

    func groupKeyIndex(_ e: BoundExpression) -> Int? { groupKeys.firstIndex(of: e) }

    mutating func resolveColumn(qualifier: String?, name: String, at: SourcePosition) throws(QueryError) -> BoundExpression {
        try resolve(qualifier: qualifier, name: name, at: at)
    }

    mutating func unnestElement(_ list: BoundExpression, at: SourcePosition) throws(QueryError) -> BoundExpression {
        guard case .listText(let s, let c) = list.kind else {
            throw QueryError("unnest() takes a list column (\(listColumnNames()))", at: at)
        }
        return element(s, c)
    }

    private func listColumnNames() -> String {
        let names = sources.flatMap { s in s.schema.columns.filter(\.isList).map(\.name) }
        return names.isEmpty ? "this query's tables have none" : names.joined(separator: ", ")
    }
}
