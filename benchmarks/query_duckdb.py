"""The four queries of benchmarks/query.sh: CineMesh on the running local cluster (`--cluster`,
wall time of `cinemesh query` including its ~15 ms process start) against DuckDB with 2 threads on
the same rows loaded into tables first. Prints medians over the rounds and checks the results are
equal. Without duckdb, CineMesh alone is timed."""
import argparse, json, statistics, subprocess, sys, time

QUERIES = [
    ("genre",
     "SELECT genre, count(*) AS n, avg(rating) AS mean FROM ratings JOIN titles USING (item) GROUP BY genre ORDER BY n DESC, genre",
     "SELECT genre, count(*) AS n, avg(rating) AS mean FROM ratings JOIN (SELECT item, unnest(genres) AS genre FROM titles) "
     "USING (item) GROUP BY genre ORDER BY n DESC, genre"),
    ("year x rating",
     "SELECT year, rating, count(*) AS n, avg(rating) AS mean, stddev(rating) AS sd FROM ratings JOIN titles USING (item) "
     "GROUP BY year, rating ORDER BY year, rating", None),
    ("per user",
     "SELECT user, count(*) AS n, avg(rating) AS mean FROM ratings GROUP BY user ORDER BY n DESC, user LIMIT 100",
     'SELECT "user", count(*) AS n, avg(rating) AS mean FROM ratings GROUP BY "user" ORDER BY n DESC, "user" LIMIT 100'),
    ("top rated",
     "SELECT title, count(*) AS n, avg(rating) AS mean FROM ratings JOIN titles USING (item) GROUP BY title "
     "HAVING count(*) >= 1000 ORDER BY mean DESC, title LIMIT 20", None),
]


def cinemesh(binary, dataset, sql):
    start = time.perf_counter()
    out = subprocess.run([binary, "query", dataset, sql, "--cluster", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, json.loads(out)["rows"]


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            if isinstance(u, float) or isinstance(v, float):
                if u is None or v is None or abs(u - v) > 1e-9 * max(abs(u), abs(v), 1e-300):
                    return False
            elif u != v:
                return False
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cinemesh", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    try:
        import duckdb
    except ImportError:
        duckdb = None
        print("duckdb is not installed: CineMesh alone")
    con = None
    if duckdb:
        con = duckdb.connect()
        con.execute("SET threads = 2")
        t = time.perf_counter()
        con.execute(f"CREATE TABLE ratings AS SELECT userId AS \"user\", movieId AS item, rating::DOUBLE AS rating, "
                    f"timestamp::BIGINT AS timestamp FROM read_csv('{a.csv}/ratings.csv')")
        con.execute(f"CREATE TABLE titles AS SELECT movieId AS item, title, year, string_split(genres, '|') AS genres, "
                    f"string_split(countries, '|') AS countries FROM read_csv('{a.csv}/movies.csv')")
        print(f"duckdb: loaded {con.execute('SELECT count(*) FROM ratings').fetchone()[0]} ratings in {time.perf_counter() - t:.1f} s")
    cold, _ = cinemesh(a.cinemesh, a.dataset, QUERIES[0][1])
    print(f"cinemesh cold first run ({QUERIES[0][0]}, shards shipped and decoded): {cold * 1000:.0f} ms")
    print(f"{'query':<15}{'cinemesh ms':>12}{'duckdb ms':>11}{'ratio':>8}  equal")
    failed = False
    for name, sql, duck_sql in QUERIES:
        ours, theirs = [], []
        rows = reference = None
        for _ in range(a.rounds):
            seconds, rows = cinemesh(a.cinemesh, a.dataset, sql)
            ours.append(seconds)
            if con:
                t = time.perf_counter()
                reference = con.execute(duck_sql or sql).fetchall()
                theirs.append(time.perf_counter() - t)
        m = statistics.median(ours) * 1000
        if con:
            d = statistics.median(theirs) * 1000
            equal = same(rows, [list(r) for r in reference])
            failed |= not equal
            print(f"{name:<15}{m:>12.0f}{d:>11.0f}{m / d:>8.2f}  {'yes' if equal else 'NO'}")
        else:
            print(f"{name:<15}{m:>12.0f}{'-':>11}{'-':>8}  -")
    sys.exit(1 if failed else 0)


main()
