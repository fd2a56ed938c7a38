#!/usr/bin/env bash
# Analytics benchmark, release build: the four queries of issue 16 (genre popularity through the
# catalog join and unnesting; a two-key group-by, release year x rating value, with count, avg and
# stddev; a high-cardinality group-by per user; top rated with HAVING) over generated ratings, on
# a lasting local cluster of 2 worker processes (`cinemesh up --workers 2`) with warm caches, side
# by side in the same run with DuckDB (2 threads) on the same rows already loaded into a DuckDB
# table. Each query's results are compared for equality (numbers to 1e-9 relative). The cold
# first run (shards shipped to the workers and decoded) is reported separately.
#
#   benchmarks/query.sh [RATINGS...=10000000 100000000] [ROUNDS=5 via $ROUNDS]
#   benchmarks/query.sh --smoke   # 50,000 ratings, 1 round (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000000 100000000)
rounds=${ROUNDS:-5}
[ -z "$smoke" ] || { sizes=(50000); rounds=1; }
cinemesh_binary
python=python3
if python_peer duckdb duckdb; then python=$PWD/benchmarks/.venv/bin/python; fi
home=$(mktemp -d /tmp/cinemesh-query-bench-XXXXXX)
cleanup() { CINEMESH_HOME=$home "$bin" down >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT
for ratings in "${sizes[@]}"; do
  csv="$work/query-$ratings-csv" ds="$work/query-$ratings"
  if [ ! -f "$csv/ratings.csv" ]; then "$bin" generate --ratings "$ratings" --seed 7 --csv "$csv" --force >/dev/null; fi
  if [ ! -f "$ds/manifest.json" ]; then "$bin" ingest "$csv" --out "$ds" --force >/dev/null; fi
  # A fresh cluster per size: its first query ships and decodes the shards (the cold run).
  CINEMESH_HOME=$home "$bin" down >/dev/null 2>&1 || true
  CINEMESH_HOME=$home "$bin" up --workers 2 >/dev/null
  echo "== $ratings ratings, 2 workers, $rounds rounds"
  CINEMESH_HOME=$home "$python" benchmarks/query_duckdb.py --cinemesh "$bin" --dataset "$ds" --csv "$csv" --rounds "$rounds"
done
