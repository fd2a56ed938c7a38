/// A recursive-descent parser for the query language (docs/QUERY.md):
///
///     SELECT [DISTINCT] items FROM table [alias]
///       { [INNER | LEFT | RIGHT | FULL] [OUTER] JOIN table [alias] (USING (names) | ON expr) }
///       [WHERE expr] [GROUP BY exprs] [HAVING expr]
///       [ORDER BY expr [ASC | DESC] [NULLS FIRST | LAST], ...] [LIMIT n [OFFSET m]] [;]
///
/// Operator precedence, loosest first: OR; AND; NOT; comparisons, IS, IN, BETWEEN, LIKE; `||`;
/// `+ -`; `* / %`; unary minus. Errors name the token where the parse failed.
public struct Parser {
    private var tokens: [Token]
    private var index = 0
    /// Expressions open now; bounded so a hostile query cannot exhaust a thread's stack.
    private var depth = 0
    static let maximumDepth = 128

    /// Parses one SELECT statement; anything after it but a `;` is an error.
    public static func parse(_ text: String) throws(QueryError) -> SelectStatement {
        var p = Parser(tokens: try Lexer.tokens(text))
        let statement = try p.select()
        if p.current.isSymbol(";") { p.index += 1 }
        guard case .end = p.current.kind else { throw p.expected("end of query") }
        return statement
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[index] }

    /// The token `k` places ahead (the end token past the end).
    private func ahead(_ k: Int) -> Token { tokens[min(index + k, tokens.count - 1)] }

    private static let reserved: Set<String> = [
        "SELECT", "DISTINCT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "JOIN", "INNER",
        "LEFT", "RIGHT", "FULL", "OUTER", "ON", "USING", "AS", "AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "ILIKE",
        "IS", "NULL", "CASE", "WHEN", "THEN", "ELSE", "END", "ASC", "DESC", "TRUE", "FALSE", "CAST", "NULLS", "CROSS",
    ]

    private func expected(_ what: String) -> QueryError {
        QueryError("expected \(what), found \(current.shown)", at: current.position)
    }

    private mutating func accept(_ keyword: String) -> Bool {
        if current.isKeyword(keyword) {
            index += 1
            return true
        }
        return false
    }

    private mutating func expect(_ keyword: String) throws(QueryError) {
        guard accept(keyword) else { throw expected(keyword) }
    }

    private mutating func acceptSymbol(_ s: String) -> Bool {
        if current.isSymbol(s) {
            index += 1
            return true
        }
        return false
    }

    private mutating func expectSymbol(_ s: String) throws(QueryError) {
        guard acceptSymbol(s) else { throw expected("'\(s)'") }
    }

    /// A name: a bare word that is not reserved, or a quoted name.
    private mutating func name(_ what: String) throws(QueryError) -> (String, SourcePosition) {
        let t = current
        switch t.kind {
        case .word(let w) where !Self.reserved.contains(w.uppercased()):
            index += 1
            return (w, t.position)
        case .quotedName(let n):
            index += 1
            return (n, t.position)
        default:
            throw expected(what)
        }
    }

    private var atName: Bool {
        switch current.kind {
        case .word(let w): return !Self.reserved.contains(w.uppercased())
        case .quotedName: return true
        default: return false
        }
    }

    // MARK: Statement

    private mutating func select() throws(QueryError) -> SelectStatement {
        try expect("SELECT")
        let distinct = accept("DISTINCT")
        if !distinct { _ = accept("ALL") }
        var items: [SelectItem] = []
        repeat { items.append(try selectItem()) } while acceptSymbol(",")
        try expect("FROM")
        let from = try tableReference()
        var joins: [JoinClause] = []
        while let j = try joinClause() { joins.append(j) }
        let whereClause = accept("WHERE") ? try expression() : nil
        var groupBy: [Expression] = []
        if accept("GROUP") {
            try expect("BY")
            repeat { groupBy.append(try expression()) } while acceptSymbol(",")
        }
        let having = accept("HAVING") ? try expression() : nil
        var orderBy: [OrderItem] = []
        if accept("ORDER") {
            try expect("BY")
            repeat {
                let e = try expression()
                let descending = accept("DESC") ? true : (accept("ASC") ? false : false)
                var nullsFirst: Bool?
                if accept("NULLS") {
                    if accept("FIRST") { nullsFirst = true } else if accept("LAST") { nullsFirst = false } else { throw expected("FIRST or LAST") }
                }
                orderBy.append(OrderItem(expression: e, descending: descending, nullsFirst: nullsFirst))
            } while acceptSymbol(",")
        }
        var limit: Int?
        var offset: Int?
        if accept("LIMIT") { limit = try count("LIMIT") }
        if accept("OFFSET") { offset = try count("OFFSET") }
        return SelectStatement(distinct: distinct, items: items, from: from, joins: joins, whereClause: whereClause,
                               groupBy: groupBy, having: having, orderBy: orderBy, limit: limit, offset: offset)
    }

    private mutating func count(_ clause: String) throws(QueryError) -> Int {
        guard case .integer(let n) = current.kind else { throw expected("a row count after \(clause)") }
        guard n >= 0, n <= Int64(Int32.max) else { throw QueryError("\(clause) must be 0...\(Int32.max)", at: current.position) }
        index += 1
        return Int(n)
    }

    private mutating func selectItem() throws(QueryError) -> SelectItem {
        if current.isSymbol("*") {
            let at = current.position
            index += 1
            return .star(qualifier: nil, at: at)
        }
        // t.*
        if atName, ahead(1).isSymbol("."), ahead(2).isSymbol("*") {
            let (q, at) = try name("a table name")
            index += 2
            return .star(qualifier: q, at: at)
        }
        let e = try expression()
        if accept("AS") { return .expression(e, alias: try name("a column alias after AS").0) }
        // An alias without AS only where one can end the item, so a misspelt keyword
        // (`SELECT a FORM t`) is reported as itself rather than taken for an alias.
        let next = ahead(1)
        if atName, next.isSymbol(",") || next.isKeyword("FROM") || next.kind == .end {
            return .expression(e, alias: try name("an alias").0)
        }
        return .expression(e, alias: nil)
    }

    private mutating func tableReference() throws(QueryError) -> TableReference {
        let (n, at) = try name("a table name")
        var alias: String?
        if accept("AS") { alias = try name("a table alias after AS").0 } else if atName { alias = try name("an alias").0 }
        return TableReference(name: n, alias: alias, position: at)
    }

    private mutating func joinClause() throws(QueryError) -> JoinClause? {
        let at = current.position
        let kind: JoinClause.Kind
        if accept("JOIN") {
            kind = .inner
        } else if accept("INNER") {
            kind = .inner
            try expect("JOIN")
        } else if accept("LEFT") {
            kind = .left
            _ = accept("OUTER")
            try expect("JOIN")
        } else if accept("RIGHT") {
            kind = .right
            _ = accept("OUTER")
            try expect("JOIN")
        } else if accept("FULL") {
            kind = .full
            _ = accept("OUTER")
            try expect("JOIN")
        } else {
            return nil
        }
        let table = try tableReference()
        if accept("USING") {
            try expectSymbol("(")
            var names: [(name: String, at: SourcePosition)] = []
            repeat {
                let (n, p) = try name("a column name")
                names.append((n, p))
            } while acceptSymbol(",")
            try expectSymbol(")")
            return JoinClause(kind: kind, table: table, condition: .using(names), position: at)
        }
        guard accept("ON") else { throw expected("USING or ON") }
        return JoinClause(kind: kind, table: table, condition: .on(try expression()), position: at)
    }

    // MARK: Expressions

    mutating func expression() throws(QueryError) -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw QueryError("expression nested more than \(Self.maximumDepth) deep", at: current.position)
        }
        let e = try or()
        guard e.height <= Self.maximumDepth * 2 else {
            throw QueryError("expression nested more than \(Self.maximumDepth * 2) deep", at: e.position)
        }
        return e
    }

    private mutating func or() throws(QueryError) -> Expression {
        var operands = [try and()]
        var positions: [SourcePosition] = []
        while current.isKeyword("OR") {
            positions.append(current.position)
            index += 1
            operands.append(try and())
        }
        return Self.balanced(.or, operands, positions)
    }

    private mutating func and() throws(QueryError) -> Expression {
        var operands = [try not()]
        var positions: [SourcePosition] = []
        while current.isKeyword("AND") {
            positions.append(current.position)
            index += 1
            operands.append(try not())
        }
        return Self.balanced(.and, operands, positions)
    }

    /// A chain `a OP b OP c ...` of an associative operator (AND, OR) as a balanced tree: the same
    /// meaning as a left-deep one, but a WHERE of a thousand ORed terms nests ten deep, not a
    /// thousand (binding and evaluation recurse).
    private static func balanced(_ op: BinaryOperator, _ operands: [Expression], _ positions: [SourcePosition]) -> Expression {
        if operands.count == 1 { return operands[0] }
        let mid = operands.count / 2
        return Expression(.binary(op, balanced(op, Array(operands[..<mid]), Array(positions[..<(mid - 1)])),
                                  balanced(op, Array(operands[mid...]), Array(positions[mid...]))),
                          at: positions[mid - 1])
    }

    private mutating func not() throws(QueryError) -> Expression {
        if current.isKeyword("NOT") {
            let at = current.position
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw QueryError("expression nested more than \(Self.maximumDepth) deep", at: at) }
            return Expression(.unary(.not, try not()), at: at)
        }
        return try comparison()
    }

    private mutating func comparison() throws(QueryError) -> Expression {
        let left = try concatenation()
        let at = current.position
        if case .symbol(let s) = current.kind, let op = BinaryOperator(rawValue: s), op.isComparison {
            index += 1
            return Expression(.binary(op, left, try concatenation()), at: at)
        }
        if accept("IS") {
            let negated = accept("NOT")
            try expect("NULL")
            return Expression(.isNull(left, negated: negated), at: at)
        }
        let negated = accept("NOT")
        if accept("IN") {
            try expectSymbol("(")
            var list: [Expression] = []
            repeat { list.append(try expression()) } while acceptSymbol(",")
            try expectSymbol(")")
            return Expression(.inList(left, list, negated: negated), at: at)
        }
        if accept("BETWEEN") {
            let low = try concatenation()
            try expect("AND")
            return Expression(.between(left, low, try concatenation(), negated: negated), at: at)
        }
        if accept("LIKE") { return Expression(.like(left, try concatenation(), caseInsensitive: false, negated: negated), at: at) }
        if accept("ILIKE") { return Expression(.like(left, try concatenation(), caseInsensitive: true, negated: negated), at: at) }
        if negated { throw expected("IN, BETWEEN, LIKE or ILIKE after NOT") }
        return left
    }

    private mutating func concatenation() throws(QueryError) -> Expression {
        var left = try additive()
        while current.isSymbol("||") {
            let at = current.position
            index += 1
            left = Expression(.binary(.concat, left, try additive()), at: at)
        }
        return left
    }

    private mutating func additive() throws(QueryError) -> Expression {
        var left = try multiplicative()
        while case .symbol(let s) = current.kind, s == "+" || s == "-" {
            let at = current.position
            index += 1
            left = Expression(.binary(s == "+" ? .add : .subtract, left, try multiplicative()), at: at)
        }
        return left
    }

    private mutating func multiplicative() throws(QueryError) -> Expression {
        var left = try unary()
        while case .symbol(let s) = current.kind, s == "*" || s == "/" || s == "%" {
            let at = current.position
            index += 1
            left = Expression(.binary(BinaryOperator(rawValue: s)!, left, try unary()), at: at)
        }
        return left
    }

    private mutating func unary() throws(QueryError) -> Expression {
        if current.isSymbol("-") {
            let at = current.position
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw QueryError("expression nested more than \(Self.maximumDepth) deep", at: at) }
            let operand = try unary()
            switch operand.kind {
            case .literal(.integer(let i)): return Expression(.literal(.integer(-i)), at: at)
            case .literal(.double(let d)): return Expression(.literal(.double(-d)), at: at)
            default: return Expression(.unary(.negate, operand), at: at)
            }
        }
        if current.isSymbol("+") {
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw QueryError("expression nested more than \(Self.maximumDepth) deep", at: current.position) }
            return try unary()
        }
        return try primary()
    }

    private mutating func primary() throws(QueryError) -> Expression {
        let t = current
        let at = t.position
        switch t.kind {
        case .integer(let i):
            index += 1
            return Expression(.literal(.integer(i)), at: at)
        case .number(let d):
            index += 1
            return Expression(.literal(.double(d)), at: at)
        case .string(let s):
            index += 1
            return Expression(.literal(.text(s)), at: at)
        case .symbol("("):
            index += 1
            if current.isKeyword("SELECT") { throw QueryError("subqueries are not supported", at: current.position) }
            let e = try expression()
            try expectSymbol(")")
            return e
        case .word(let w):
            switch w.uppercased() {
            case "NULL":
                index += 1
                return Expression(.literal(.null), at: at)
            case "TRUE", "FALSE":
                index += 1
                return Expression(.literal(.boolean(w.uppercased() == "TRUE")), at: at)
            case "CASE":
                index += 1
                return try caseExpression(at: at)
            case "CAST":
                index += 1
                try expectSymbol("(")
                let e = try expression()
                try expect("AS")
                let typeToken = current
                guard case .word(let typeName) = typeToken.kind, let type = SQLType(castName: typeName), type != .null else {
                    throw expected("a type (INTEGER, DOUBLE, TEXT or BOOLEAN)")
                }
                index += 1
                try expectSymbol(")")
                return Expression(.cast(e, type), at: at)
            default:
                break
            }
        default:
            break
        }
        guard atName else { throw expected("an expression") }
        let (first, _) = try name("a name")
        if acceptSymbol("(") { return try call(first, at: at) }
        if acceptSymbol(".") {
            let (column, _) = try name("a column name after '.'")
            return Expression(.column(qualifier: first, name: column), at: at)
        }
        return Expression(.column(qualifier: nil, name: first), at: at)
    }

    private mutating func call(_ function: String, at: SourcePosition) throws(QueryError) -> Expression {
        if acceptSymbol("*") {
            try expectSymbol(")")
            return Expression(.call(name: function.lowercased(), arguments: [], distinct: false, star: true), at: at)
        }
        let distinct = accept("DISTINCT")
        var arguments: [Expression] = []
        if !current.isSymbol(")") {
            repeat { arguments.append(try expression()) } while acceptSymbol(",")
        }
        try expectSymbol(")")
        return Expression(.call(name: function.lowercased(), arguments: arguments, distinct: distinct, star: false), at: at)
    }

    private mutating func caseExpression(at: SourcePosition) throws(QueryError) -> Expression {
        let operand = current.isKeyword("WHEN") ? nil : try expression()
        var branches: [(Expression, Expression)] = []
        while accept("WHEN") {
            let condition = try expression()
            try expect("THEN")
            branches.append((condition, try expression()))
        }
        guard !branches.isEmpty else { throw expected("WHEN") }
        let otherwise = accept("ELSE") ? try expression() : nil
        try expect("END")
        return Expression(.caseWhen(operand: operand, branches: branches, otherwise: otherwise), at: at)
    }
}
