extension Binder {
    /// Binds an expression in `scope`. In the grouped scope an aggregate call becomes a reference
    /// to its (row-scope) aggregate, and a subexpression equal to a GROUP BY key becomes a
    /// reference to the key; any other column is an error.
    mutating func bind(_ e: Expression, _ scope: Scope) throws(QueryError) -> BoundExpression {
        if scope == .grouped {
            if case .call(let f, _, _, _) = e.kind, AggregateFunction(called: f) != nil { return try aggregate(e) }
            if !Self.containsAggregate(e) {
                let rowForm = try bind(e, .row)
                if let k = groupKeyIndex(rowForm) { return BoundExpression(.groupKey(k), rowForm.type) }
                if case .constant = rowForm.kind { return rowForm }
                if case .column(let q, let n) = e.kind {
                    let shown = q.map { "\($0).\(n)" } ?? n
                    throw QueryError("column '\(shown)' must appear in GROUP BY or be used in an aggregate function", at: e.position)
                }
                if case .call("unnest", _, _, _) = e.kind {
                    throw QueryError("\(e.sql) must appear in GROUP BY or be used in an aggregate function", at: e.position)
                }
            }
        }
        let at = e.position
        switch e.kind {
        case .literal(let v):
            return .constant(v)
        case .column(let q, let n):
            return try resolveColumn(qualifier: q, name: n, at: at)
        case .unary(.negate, let a):
            let x = try bind(a, scope)
            guard x.type.isNumeric else { throw QueryError("unary minus needs a number, got \(x.type.rawValue)", at: at) }
            return BoundExpression(.unary(.negate, x), x.type)
        case .unary(.not, let a):
            let x = try bind(a, scope)
            try requireBoolean(x, "NOT", at: at)
            return BoundExpression(.unary(.not, x), .boolean)
        case .binary(let op, let a, let b):
            return try binary(op, try bind(a, scope), try bind(b, scope), at: at)
        case .call(let f, let args, let distinct, let star):
            if AggregateFunction(called: f) != nil {
                throw QueryError("aggregate \(f)() is not allowed here (only in SELECT, HAVING and ORDER BY)", at: at)
            }
            if distinct || star { throw QueryError("\(f)() is not an aggregate: DISTINCT and * are for aggregates", at: at) }
            if f == "unnest" {
                guard args.count == 1 else { throw QueryError("unnest takes 1 argument, got \(args.count)", at: at) }
                return try unnestElement(try bind(args[0], .row), at: at)
            }
            return try function(f, try args.map { (a) throws(QueryError) in try bind(a, scope) }, at: at)
        case .inList(let a, let list, let negated):
            let x = try bind(a, scope)
            var items: [BoundExpression] = []
            for l in list {
                let y = coerceLiteral(try bind(l, scope), to: x.type)
                try requireComparable(x, y, at: l.position)
                items.append(y)
            }
            return BoundExpression(.inList(x, items, negated: negated), .boolean)
        case .between(let a, let low, let high, let negated):
            let x = try bind(a, scope)
            let ge = try binary(.greaterOrEqual, x, try bind(low, scope), at: at)
            let le = try binary(.lessOrEqual, x, try bind(high, scope), at: at)
            let both = BoundExpression(.binary(.and, ge, le), .boolean)
            return negated ? BoundExpression(.unary(.not, both), .boolean) : both
        case .like(let a, let p, let ci, let negated):
            let x = try bind(a, scope), y = try bind(p, scope)
            for v in [x, y] where v.type != .text && v.type != .null {
                throw QueryError("\(ci ? "ILIKE" : "LIKE") needs TEXT on both sides, got \(x.type.rawValue) and \(y.type.rawValue)", at: at)
            }
            return BoundExpression(.like(x, y, caseInsensitive: ci, negated: negated), .boolean)
        case .isNull(let a, let negated):
            return BoundExpression(.isNull(try bind(a, scope), negated: negated), .boolean)
        case .caseWhen(let operand, let branches, let otherwise):
            let subject = try operand.map { (o) throws(QueryError) in try bind(o, scope) }
            var parts: [BoundExpression] = []
            var resultType = SQLType.null
            var values: [BoundExpression] = []
            for (w, t) in branches {
                var condition = try bind(w, scope)
                if let subject { condition = try binary(.equal, subject, condition, at: w.position) }
                try requireBoolean(condition, "WHEN", at: w.position)
                let v = try bind(t, scope)
                resultType = try unify(resultType, v.type, at: t.position)
                parts.append(condition)
                values.append(v)
            }
            let other = try otherwise.map { (o) throws(QueryError) in try bind(o, scope) }
            if let other { resultType = try unify(resultType, other.type, at: otherwise!.position) }
            var interleaved: [BoundExpression] = []
            for (c, v) in zip(parts, values) { interleaved += [c, widen(v, to: resultType)] }
            return BoundExpression(.caseWhen(interleaved, otherwise: other.map { widen($0, to: resultType) }), resultType)
        case .cast(let a, let type):
            return BoundExpression(.cast(try bind(a, scope), type), type)
        }
    }

    /// An aggregate call: its argument bound over rows, its parameters constant numbers.
    private mutating func aggregate(_ e: Expression) throws(QueryError) -> BoundExpression {
        guard case .call(let name, let args, let distinct, let star) = e.kind, let f = AggregateFunction(called: name) else {
            throw QueryError("not an aggregate", at: e.position)
        }
        for a in args where Self.containsAggregate(a) {
            throw QueryError("aggregate calls cannot be nested", at: a.position)
        }
        if star && f != .count { throw QueryError("only count takes *", at: e.position) }
        if distinct && ![.count, .sum, .avg, .min, .max].contains(f) {
            throw QueryError("DISTINCT is supported in count, sum, avg, min and max, not \(name)", at: e.position)
        }
        let arity: ClosedRange<Int>
        switch f {
        case .count: arity = star ? 0 ... 0 : 1 ... 1
        case .quantileCont, .quantileDisc, .approxQuantile: arity = 2 ... 2
        case .bayesAvg: arity = 2 ... 3
        default: arity = 1 ... 1
        }
        guard arity.contains(args.count) else {
            let want = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)"
            throw QueryError("\(name) takes \(want) argument\(arity.upperBound == 1 ? "" : "s"), got \(args.count)", at: e.position)
        }
        let argument = try args.first.map { (a) throws(QueryError) in try bind(a, .row) }
        var parameters: [Double] = []
        for p in args.dropFirst() {
            let bound = try bind(p, .row)
            guard case .constant(let v) = bound.kind, let x = v.number else {
                throw QueryError("the parameters of \(name) must be constant numbers", at: p.position)
            }
            parameters.append(x)
        }
        if [.quantileCont, .quantileDisc, .approxQuantile].contains(f), !(0 ... 1).contains(parameters[0]) {
            throw QueryError("\(name)'s fraction must be within 0...1, not \(parameters[0])", at: args[1].position)
        }
        if f == .bayesAvg, parameters[0] < 0 {
            throw QueryError("bayes_avg's weight must not be negative", at: args[1].position)
        }
        let argType = argument?.type ?? .null
        let numeric: Set<AggregateFunction> = [.sum, .avg, .varSamp, .varPop, .stddevSamp, .stddevPop, .median, .quantileCont,
                                               .approxQuantile, .bayesAvg]
        if numeric.contains(f), !argType.isNumeric {
            throw QueryError("\(name) needs a number, got \(argType.rawValue)", at: args[0].position)
        }
        if f == .quantileDisc, argType == .boolean {
            throw QueryError("\(name) needs a number or text, got BOOLEAN", at: args[0].position)
        }
        let type: SQLType
        switch f {
        case .count, .approxCountDistinct: type = .integer
        case .sum: type = argType == .integer ? .integer : .double
        case .min, .max, .quantileDisc: type = argType
        default: type = .double
        }
        let index = registerAggregate(AggregateCall(function: f, argument: argument, distinct: distinct, parameters: parameters, type: type))
        return BoundExpression(.aggregate(index), type)
    }

    private func binary(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression, at: SourcePosition) throws(QueryError) -> BoundExpression {
        switch op {
        case .and, .or:
            try requireBoolean(a, op.rawValue, at: at)
            try requireBoolean(b, op.rawValue, at: at)
            return BoundExpression(.binary(op, a, b), .boolean)
        case .concat:
            return BoundExpression(.binary(op, castToText(a), castToText(b)), .text)
        case .add, .subtract, .multiply, .divide, .modulo:
            guard a.type.isNumeric, b.type.isNumeric else {
                throw QueryError("operator \(op.rawValue) needs numbers, got \(a.type.rawValue) and \(b.type.rawValue)", at: at)
            }
            let type: SQLType = op == .divide ? .double : (a.type == .double || b.type == .double ? .double : (a.type == .null && b.type == .null ? .null : .integer))
            return BoundExpression(.binary(op, a, b), type)
        default:
            let x = coerceLiteral(a, to: b.type), y = coerceLiteral(b, to: a.type)
            try requireComparable(x, y, at: at)
            return BoundExpression(.binary(op, x, y), .boolean)
        }
    }

    /// A text literal compared with a number becomes that number when it reads as one
    /// (`year = '1995'`), as in DuckDB.
    private func coerceLiteral(_ e: BoundExpression, to type: SQLType) -> BoundExpression {
        guard case .constant(.text(let s)) = e.kind, type.isNumeric, type != .null else { return e }
        if type == .integer, let i = Int64(s) { return .constant(.integer(i)) }
        if let d = Double(s) { return .constant(.double(d)) }
        return e
    }

    private func castToText(_ e: BoundExpression) -> BoundExpression {
        e.type == .text || e.type == .null ? e : BoundExpression(.cast(e, .text), .text)
    }

    private func widen(_ e: BoundExpression, to type: SQLType) -> BoundExpression {
        e.type == type || e.type == .null || type == .null ? e : BoundExpression(.cast(e, type), type)
    }

    private func unify(_ a: SQLType, _ b: SQLType, at: SourcePosition) throws(QueryError) -> SQLType {
        if a == .null { return b }
        if b == .null || a == b { return a }
        if a.isNumeric && b.isNumeric { return .double }
        throw QueryError("CASE branches have different types: \(a.rawValue) and \(b.rawValue)", at: at)
    }

    private func function(_ name: String, _ args: [BoundExpression], at: SourcePosition) throws(QueryError) -> BoundExpression {
        guard let f = ScalarFunction(rawValue: name) else {
            let known = (ScalarFunction.allCases.map(\.rawValue) + ["unnest"]).sorted().joined(separator: ", ")
            throw QueryError("unknown function '\(name)' (functions: \(known); aggregates: \(AggregateFunction.allCases.map(\.rawValue).joined(separator: ", ")))", at: at)
        }
        func arity(_ r: ClosedRange<Int>) throws(QueryError) {
            guard r.contains(args.count) else {
                let want = r.lowerBound == r.upperBound ? "\(r.lowerBound)" : (r.upperBound > 9 ? "at least \(r.lowerBound)" : "\(r.lowerBound) or \(r.upperBound)")
                throw QueryError("\(name) takes \(want) argument\(r == 1 ... 1 ? "" : "s"), got \(args.count)", at: at)
            }
        }
        func need(_ i: Int, _ ok: (SQLType) -> Bool, _ what: String) throws(QueryError) {
            let t = args[i].type
            guard t == .null || ok(t) else { throw QueryError("\(name) needs \(what) as argument \(i + 1), got \(t.rawValue)", at: at) }
        }
        let type: SQLType
        switch f {
        case .coalesce:
            try arity(1 ... 64)
            var t = SQLType.null
            for a in args { t = try unify(t, a.type, at: at) }
            return BoundExpression(.function(f, args.map { widen($0, to: t) }), t)
        case .nullif:
            try arity(2 ... 2)
            try requireComparable(args[0], args[1], at: at)
            type = args[0].type
        case .lower, .upper, .trim:
            try arity(1 ... 1)
            try need(0, { $0 == .text }, "TEXT")
            type = .text
        case .length:
            try arity(1 ... 1)
            try need(0, { $0 == .text }, "TEXT")
            type = .integer
        case .substr:
            try arity(2 ... 3)
            try need(0, { $0 == .text }, "TEXT")
            for i in 1 ..< args.count { try need(i, { $0 == .integer }, "an INTEGER") }
            type = .text
        case .abs:
            try arity(1 ... 1)
            try need(0, \.isNumeric, "a number")
            type = args[0].type
        case .round:
            try arity(1 ... 2)
            try need(0, \.isNumeric, "a number")
            if args.count == 2 { try need(1, { $0 == .integer }, "an INTEGER") }
            type = args[0].type
        case .floor, .ceil:
            try arity(1 ... 1)
            try need(0, \.isNumeric, "a number")
            type = args[0].type
        case .year, .month, .day, .weekday, .hour:
            try arity(1 ... 1)
            try need(0, { $0 == .integer }, "a timestamp (INTEGER seconds since 1970)")
            type = .integer
        case .dateTrunc:
            try arity(2 ... 2)
            guard case .constant(.text(let unit)) = args[0].kind, DateParts.Unit(rawValue: unit.lowercased()) != nil else {
                throw QueryError("date_trunc's first argument must be one of \(DateParts.Unit.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))", at: at)
            }
            try need(1, { $0 == .integer }, "a timestamp (INTEGER seconds since 1970)")
            type = .text
        }
        return BoundExpression(.function(f, args), type)
    }
}
