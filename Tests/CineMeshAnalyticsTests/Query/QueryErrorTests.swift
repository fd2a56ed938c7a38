@testable import CineMeshAnalytics
import CineMeshData
import Testing

/// Tables of a tiny hand-made dataset: three users and items, a catalog with a genre list, user
/// attributes and tags. Enough to bind any query; errors do not need real data.
let tinyTables: QueryTables = {
    let catalog = ColumnTable(columns: [
        .init("item", .string(["1", "2", "3"])), .init("title", .string(["A", "B", ""])), .init("year", .int([1995, nil, 2001])),
        .init("genres", .stringList([["Drama"], [], ["Comedy", "Drama"]])),
    ])
    let users = ColumnTable(columns: [
        .init("user", .string(["1", "2", "3"])), .init("age", .int([20, 30, 40])), .init("gender", .string(["F", "M", "F"])),
        .init("occupation", .string(["student", "writer", "none"])),
    ])
    let tags = ColumnTable(columns: [
        .init("user", .string(["1"])), .init("item", .string(["2"])), .init("tag", .string(["funny"])), .init("timestamp", .int([5])),
    ])
    let ids = IdMap(ids: [.int(1), .int(2), .int(3)])
    return QueryTables(users: ids, items: ids, catalog: catalog, userAttributes: users, tags: tags, hasTimestamps: true)
}()

/// A block holding every rating of the tiny dataset.
let tinyBlock = RatingBlock(row: 0, column: 0, userRange: 0 ..< 3, itemRange: 0 ..< 3, users: [0, 0, 1, 2], items: [0, 1, 1, 2],
                            ratings: [4, 5, 3, 1], timestamps: [100, 200, 300, Int64.max / 2])

/// The error a query gives, through parse, bind and one block's execution and the merge.
func queryError(_ sql: String) -> QueryError? {
    do {
        let executor = try QueryExecutor(sql, tables: tinyTables)
        var merger = QueryMerger(executor)
        try merger.add(try executor.partial(block: executor.plan.shardedSource == nil ? nil : QueryBlock(tinyBlock)))
        if executor.keepsUnmatchedRows { try merger.add(try executor.unmatchedPartial(matched: merger.matched)) }
        _ = try merger.finish()
        return nil
    } catch {
        return error
    }
}

@Suite struct QueryErrorTests {
    func expectError(_ sql: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let e = queryError(sql)
        #expect(e?.description == expected, "\(sql)", sourceLocation: sourceLocation)
    }

    @Test func aMisspeltKeywordIsReportedAsItselfAtItsPlace() {
        expectError("SELECT a FORM ratings", "query:1:10: expected FROM, found 'FORM'")
        expectError("SELECT a\n  FORM ratings", "query:2:3: expected FROM, found 'FORM'")
        expectError("SELECT count(*) FROM ratings GROUP user", "query:1:36: expected BY, found 'user'")
        expectError("SELECT", "query:1:7: expected an expression, found end of query")
        expectError("SELECT 1 FROM ratings WHERE", "query:1:28: expected an expression, found end of query")
        expectError("SELECT (1 FROM ratings", "query:1:11: expected ')', found 'FROM'")
        expectError("SELECT 'abc FROM ratings", "query:1:8: unterminated string")
        expectError("SELECT 1 FROM ratings LIMIT -1", "query:1:29: expected a row count after LIMIT, found '-'")
        expectError("SELECT 1 FROM ratings x y", "query:1:25: expected end of query, found 'y'")
        expectError("SELECT 1 FROM ratings WHERE user = (SELECT 1 FROM ratings)", "query:1:37: subqueries are not supported")
        expectError("SELECT 1 FROM ratings WHERE user IN (SELECT 1 FROM ratings)", "query:1:38: expected an expression, found 'SELECT'")
        expectError("SELECT 1 # 2 FROM ratings", "query:1:10: unexpected character '#'")
        expectError("SELECT 12abc FROM ratings", "query:1:8: a number must not run into a name: '12a'")
        expectError("SELECT 1e999 FROM ratings", "query:1:8: number '1e999' is out of range")
    }

    @Test func anUnknownColumnListsTheColumnsOfTheTables() {
        expectError("SELECT nope FROM ratings", "query:1:8: no column 'nope' (ratings: user, item, rating, timestamp)")
        expectError("SELECT rating FROM titles t JOIN users u ON t.item = u.user",
                    "query:1:8: no column 'rating' (titles: item, title, year, genres (list; genre); users: user, age, gender, occupation)")
        expectError("SELECT t.rating FROM titles t", "query:1:8: no column 'rating' in t (titles: item, title, year, genres (list; genre))")
        expectError("SELECT x.item FROM titles t", "query:1:8: no table or alias 'x' in FROM (t)")
    }

    @Test func anAmbiguousColumnListsBothCandidates() {
        expectError("SELECT item FROM ratings r JOIN titles t ON r.item = t.item", "query:1:8: column 'item' is ambiguous: r.item, t.item")
        expectError("SELECT count(*) FROM ratings r JOIN tags g USING (item) WHERE user = 1", "query:1:63: column 'user' is ambiguous: r.user, g.user")
    }

    @Test func aTypeErrorNamesBothTypes() {
        expectError("SELECT title + 1 FROM titles", "query:1:14: operator + needs numbers, got TEXT and INTEGER")
        expectError("SELECT 1 FROM titles WHERE title = 3", "query:1:34: cannot compare TEXT with INTEGER")
        expectError("SELECT 1 FROM titles WHERE year LIKE 'a%'", "query:1:33: LIKE needs TEXT on both sides, got INTEGER and TEXT")
        expectError("SELECT CASE WHEN year > 1 THEN title ELSE year END FROM titles", "query:1:43: CASE branches have different types: TEXT and INTEGER")
        expectError("SELECT 1 FROM titles WHERE year", "query:1:28: WHERE needs a BOOLEAN condition, got INTEGER")
        expectError("SELECT year IN ('a', 2) FROM titles", "query:1:17: cannot compare INTEGER with TEXT")
        expectError("SELECT sum(title) FROM titles", "query:1:12: sum needs a number, got TEXT")
        expectError("SELECT -title FROM titles", "query:1:8: unary minus needs a number, got TEXT")
    }

    @Test func anUnknownTableListsTheTables() {
        expectError("SELECT * FROM nope", "query:1:15: no table 'nope' in this dataset (tables: ratings, titles, users, tags)")
        expectError("SELECT * FROM ratings JOIN nope USING (user)", "query:1:28: no table 'nope' in this dataset (tables: ratings, titles, users, tags)")
    }

    @Test func aggregatesOnlyWhereTheyBelong() {
        expectError("SELECT user FROM ratings WHERE count(*) > 1",
                    "query:1:32: aggregate count() is not allowed here (only in SELECT, HAVING and ORDER BY)")
        expectError("SELECT count(*) FROM ratings GROUP BY avg(rating)", "query:1:39: GROUP BY cannot hold an aggregate")
        expectError("SELECT sum(count(*)) FROM ratings", "query:1:12: aggregate calls cannot be nested")
        // A binary expression's position is its operator's.
        expectError("SELECT user FROM ratings HAVING user > 1", "query:1:38: HAVING needs GROUP BY or an aggregate")
    }

    @Test func aColumnOutsideGroupByIsNamed() {
        expectError("SELECT user, rating FROM ratings GROUP BY user",
                    "query:1:14: column 'rating' must appear in GROUP BY or be used in an aggregate function")
        expectError("SELECT count(*) FROM ratings GROUP BY user ORDER BY item",
                    "query:1:53: column 'item' must appear in GROUP BY or be used in an aggregate function")
        expectError("SELECT count(*) FROM ratings HAVING rating > 1",
                    "query:1:37: column 'rating' must appear in GROUP BY or be used in an aggregate function")
    }

    @Test func aWrongArgumentCountSaysWhatTheFunctionTakes() {
        expectError("SELECT substr(title) FROM titles", "query:1:8: substr takes 2 or 3 arguments, got 1")
        expectError("SELECT lower(title, 1) FROM titles", "query:1:8: lower takes 1 argument, got 2")
        expectError("SELECT quantile_cont(rating) FROM ratings", "query:1:8: quantile_cont takes 2 arguments, got 1")
        expectError("SELECT count(rating, user) FROM ratings", "query:1:8: count takes 1 argument, got 2")
        expectError("SELECT bayes_avg(rating) FROM ratings", "query:1:8: bayes_avg takes 2 or 3 arguments, got 1")
        expectError("SELECT unnest(genres, genres) FROM titles", "query:1:8: unnest takes 1 argument, got 2")
        expectError("SELECT nope(1) FROM titles",
                    "query:1:8: unknown function 'nope' (functions: abs, ceil, coalesce, date_trunc, day, floor, hour, length, lower, month, nullif, round, substr, trim, unnest, upper, weekday, year; aggregates: count, sum, avg, min, max, var_samp, var_pop, stddev_samp, stddev_pop, median, quantile_cont, quantile_disc, approx_count_distinct, approx_quantile, bayes_avg)")
    }

    @Test func otherBindingErrors() {
        expectError("SELECT quantile_cont(rating, 2) FROM ratings", "query:1:30: quantile_cont's fraction must be within 0...1, not 2.0")
        expectError("SELECT quantile_cont(rating, user) FROM ratings", "query:1:30: the parameters of quantile_cont must be constant numbers")
        expectError("SELECT median(DISTINCT rating) FROM ratings", "query:1:8: DISTINCT is supported in count, sum, avg, min and max, not median")
        expectError("SELECT 1 FROM ratings ORDER BY 2", "query:1:32: ORDER BY position 2 is not in the select list (1...1)")
        expectError("SELECT DISTINCT user FROM ratings ORDER BY item", "query:1:44: with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
        expectError("SELECT 1 FROM ratings r JOIN titles t ON r.item > t.item", "query:1:49: a join condition must be equalities joined by AND (t1.x = t2.y AND ...)")
        expectError("SELECT 1 FROM ratings r JOIN ratings s USING (user)", "query:1:30: ratings can be read only once in a query (join it with the catalog, users or tags)")
        expectError("SELECT 1 FROM titles JOIN titles USING (item)", "query:1:27: table name 'titles' is used twice; give one an alias")
        expectError("SELECT unnest(title) FROM titles", "query:1:8: unnest() takes a list column (genres)")
        expectError("SELECT date_trunc('century', timestamp) FROM ratings",
                    "query:1:8: date_trunc's first argument must be one of 'year', 'quarter', 'month', 'week', 'day', 'hour'")
    }

    @Test func runtimeErrorsAreQueryErrors() {
        expectError("SELECT user * 9223372036854775807 FROM ratings", "query: integer overflow in 2 * 9223372036854775807")
        expectError("SELECT CAST(title AS INTEGER) FROM titles WHERE item = 1", "query: cannot cast 'A' to INTEGER")
        expectError("SELECT sum(timestamp + 4611686018427387000) FROM ratings", "query: integer overflow in sum(); cast the argument to DOUBLE")
    }

    /// The errors' positions count characters, not bytes, so a non-ASCII query points right.
    @Test func positionsCountCharacters() {
        expectError("SELECT 'é', 'ü' FORM ratings", "query:1:17: expected FROM, found 'FORM'")
        expectError("SELECT 'é' AS x FROM ratings WHERE nope = 1 -- é", "query:1:36: no column 'nope' (ratings: user, item, rating, timestamp)")
    }
}
