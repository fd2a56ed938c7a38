/// A bound query, ready to run on one block or on all of them: the sources joined left to right,
/// the lists unnested, the WHERE conjuncts, the grouping and aggregates, and the output.
///
/// The same plan runs on every worker (each binds the query text itself against the same
/// tables), so plans never travel; the query text does.
public struct QueryPlan: Sendable {
    /// The tables in FROM order.
    public var sources: [PlanSource]
    /// `joins[i]` brings in `sources[i + 1]`.
    var joins: [PlanJoin]
    /// The list columns unnested, as (source, column).
    var unnests: [UnnestedList]
    /// WHERE, split at its top-level ANDs.
    var filters: [BoundExpression]
    public var isAggregate: Bool
    var groupKeys: [BoundExpression]
    var aggregates: [AggregateCall]
    /// Over the grouped rows when `isAggregate`, else over the joined rows.
    var outputs: [BoundExpression]
    public var columnNames: [String]
    public var columnTypes: [SQLType]
    var having: BoundExpression?
    /// ORDER BY keys, in the same scope as `outputs`.
    var order: [PlanOrder]
    public var distinct: Bool
    public var limit: Int?
    public var offset: Int

    /// Every expression the plan evaluates over rows.
    var rowExpressions: [BoundExpression] {
        var all = filters + groupKeys + aggregates.compactMap(\.argument)
        for j in joins { all += j.leftKeys + j.rightKeys }
        if !isAggregate { all += outputs + order.map(\.key) }
        return all
    }

    /// The sharded source (ratings), if the query reads it.
    public var shardedSource: Int? { sources.firstIndex { $0.schema.isSharded } }
}

/// A table in the plan.
public struct PlanSource: Sendable {
    public var schema: TableSchema
    /// The name a qualifier matches: the alias, else the table name as written.
    public var alias: String
}

/// An equi-join: rows of the left side (sources before this one) whose `leftKeys` equal the new
/// source's `rightKeys`.
struct PlanJoin: Sendable {
    var kind: JoinClause.Kind
    var leftKeys: [BoundExpression]
    var rightKeys: [BoundExpression]
}

struct UnnestedList: Sendable, Equatable {
    var source: Int
    var column: Int
}

struct PlanOrder: Sendable {
    var key: BoundExpression
    var descending: Bool
    var nullsFirst: Bool
}
