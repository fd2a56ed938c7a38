/// The parsed query, before any name is resolved: what the text says, with positions for errors.
public struct SelectStatement: Sendable {
    public var distinct: Bool
    public var items: [SelectItem]
    public var from: TableReference
    public var joins: [JoinClause]
    public var whereClause: Expression?
    public var groupBy: [Expression]
    public var having: Expression?
    public var orderBy: [OrderItem]
    public var limit: Int?
    public var offset: Int?
}

/// One entry of the SELECT list.
public enum SelectItem: Sendable {
    /// `*` or `t.*`.
    case star(qualifier: String?, at: SourcePosition)
    case expression(Expression, alias: String?)
}

/// A table in FROM or JOIN, with its optional alias.
public struct TableReference: Sendable {
    public var name: String
    public var alias: String?
    public var position: SourcePosition
}

/// `[INNER|LEFT|RIGHT|FULL [OUTER]] JOIN table USING (...) | ON condition`.
public struct JoinClause: Sendable {
    public enum Kind: String, Sendable { case inner, left, right, full }
    public enum Condition: Sendable {
        case using([(name: String, at: SourcePosition)])
        case on(Expression)
    }
    public var kind: Kind
    public var table: TableReference
    public var condition: Condition
    public var position: SourcePosition
}

/// One ORDER BY key.
public struct OrderItem: Sendable {
    public var expression: Expression
    public var descending: Bool
    /// Explicit NULLS FIRST / NULLS LAST; nil: NULLs sort last either way, as in DuckDB (and
    /// pandas' `sort_values`).
    public var nullsFirst: Bool?
}

/// An expression as written.
public struct Expression: Sendable {
    public indirect enum Kind: Sendable {
        case literal(Value)
        case column(qualifier: String?, name: String)
        case unary(UnaryOperator, Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// A function or aggregate call; `star` for `count(*)`.
        case call(name: String, arguments: [Expression], distinct: Bool, star: Bool)
        case inList(Expression, [Expression], negated: Bool)
        case between(Expression, Expression, Expression, negated: Bool)
        case like(Expression, Expression, caseInsensitive: Bool, negated: Bool)
        case isNull(Expression, negated: Bool)
        case caseWhen(operand: Expression?, branches: [(Expression, Expression)], otherwise: Expression?)
        case cast(Expression, SQLType)
    }

    public var kind: Kind
    public var position: SourcePosition
    /// Levels of nesting (1 for a leaf): the parser refuses trees deeper than it allows, so
    /// binding and evaluation, which recurse, never exhaust a stack.
    public let height: Int

    public init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
        let children: [Expression]
        switch kind {
        case .literal, .column: children = []
        case .unary(_, let a), .isNull(let a, _), .cast(let a, _): children = [a]
        case .binary(_, let a, let b), .like(let a, let b, _, _): children = [a, b]
        case .call(_, let args, _, _): children = args
        case .inList(let a, let l, _): children = [a] + l
        case .between(let a, let b, let c, _): children = [a, b, c]
        case .caseWhen(let o, let br, let other): children = (o.map { [$0] } ?? []) + br.flatMap { [$0.0, $0.1] } + (other.map { [$0] } ?? [])
        }
        height = 1 + (children.map(\.height).max() ?? 0)
    }
}

/// `-x`, `NOT x`.
public enum UnaryOperator: String, Sendable { case negate = "-", not = "NOT" }

/// Binary operators, by the symbol or keyword that writes them.
public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }
}
