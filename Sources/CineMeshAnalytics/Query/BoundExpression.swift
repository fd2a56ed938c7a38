/// An expression with its names resolved and its type known: what the evaluator runs.
public struct BoundExpression: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case constant(Value)
        /// Column `column` of the plan's source `source`.
        case column(source: Int, column: Int)
        /// A list column by its own name: its elements joined by `|`.
        case listText(source: Int, column: Int)
        /// The current element of the plan's unnested list `index`.
        case element(Int)
        /// After grouping: group key `index`.
        case groupKey(Int)
        /// After grouping: the value of aggregate `index`.
        case aggregate(Int)
        case unary(UnaryOperator, BoundExpression)
        case binary(BinaryOperator, BoundExpression, BoundExpression)
        case function(ScalarFunction, [BoundExpression])
        case inList(BoundExpression, [BoundExpression], negated: Bool)
        case like(BoundExpression, BoundExpression, caseInsensitive: Bool, negated: Bool)
        case isNull(BoundExpression, negated: Bool)
        /// `CASE WHEN c0 THEN v0 WHEN c1 THEN v1 ... ELSE e END`, conditions and values alternating.
        case caseWhen([BoundExpression], otherwise: BoundExpression?)
        case cast(BoundExpression, SQLType)
    }

    public var kind: Kind
    public var type: SQLType

    init(_ kind: Kind, _ type: SQLType) {
        self.kind = kind
        self.type = type
    }

    static func constant(_ v: Value) -> BoundExpression { BoundExpression(.constant(v), v.type) }

    /// The subexpressions.
    var children: [BoundExpression] {
        switch kind {
        case .constant, .column, .listText, .element, .groupKey, .aggregate: return []
        case .unary(_, let a), .isNull(let a, _), .cast(let a, _): return [a]
        case .binary(_, let a, let b), .like(let a, let b, _, _): return [a, b]
        case .function(_, let args): return args
        case .inList(let a, let list, _): return [a] + list
        case .caseWhen(let parts, let otherwise): return parts + (otherwise.map { [$0] } ?? [])
        }
    }

    /// Sources whose columns (or lists) the expression reads, and the unnested lists it reads.
    func references(sources: inout Set<Int>, elements: inout Set<Int>) {
        switch kind {
        case .column(let s, _), .listText(let s, _): sources.insert(s)
        case .element(let e): elements.insert(e)
        default: for c in children { c.references(sources: &sources, elements: &elements) }
        }
    }

    /// Adds the columns of `source` the expression reads.
    func columns(of source: Int, into set: inout Set<Int>) {
        switch kind {
        case .column(let s, let c) where s == source: set.insert(c)
        default: for c in children { c.columns(of: source, into: &set) }
        }
    }
}

/// The scalar functions of the query language (docs/QUERY.md lists their signatures).
public enum ScalarFunction: String, Sendable, Equatable, CaseIterable {
    case coalesce, nullif, lower, upper, length, substr, trim, abs, round, floor, ceil
    case year, month, day, weekday, hour, dateTrunc = "date_trunc"
}

/// The aggregate functions.
public enum AggregateFunction: String, Sendable, Equatable, CaseIterable {
    case count, sum, avg, min, max
    case varSamp = "var_samp", varPop = "var_pop", stddevSamp = "stddev_samp", stddevPop = "stddev_pop"
    case median, quantileCont = "quantile_cont", quantileDisc = "quantile_disc"
    case approxCountDistinct = "approx_count_distinct", approxQuantile = "approx_quantile"
    case bayesAvg = "bayes_avg"

    /// The function a name calls, aliases included (`mean`, `stddev`, `variance`, `quantile`).
    init?(called name: String) {
        switch name {
        case "mean": self = .avg
        case "stddev": self = .stddevSamp
        case "variance": self = .varSamp
        case "quantile": self = .quantileDisc
        default: self.init(rawValue: name)
        }
    }
}

/// One aggregate a query computes: its function, its argument over the rows, and its constant
/// parameters (the quantile's fraction; the Bayesian average's weight and prior).
public struct AggregateCall: Sendable, Equatable {
    public var function: AggregateFunction
    /// nil for `count(*)`.
    public var argument: BoundExpression?
    public var distinct: Bool
    public var parameters: [Double]
    public var type: SQLType
}
