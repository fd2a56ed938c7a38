#!/usr/bin/env bash
# Ingest benchmark, release build: `cinemesh ingest` against pandas on the same generated CSV, in
# the same run, REPS times each (median and best reported), with peak resident memory.
#
#   benchmarks/ingest.sh [RATINGS=10000000] [REPS=5]
#   benchmarks/ingest.sh --smoke       # 20,000 ratings, once: checks the script (benchmarks/common.sh)
#
# pandas comes from PyPI into benchmarks/.venv (made on first use; skipped when it cannot be had). Two pandas rows:
#   read_csv   - pandas.read_csv of the file, nothing else (the usual first step of a notebook);
#   pipeline   - read_csv, factorize user and movie ids, sort by (user block, item block, user,
#                item) on a 4x4 grid, and np.save the four columns: the work `cinemesh ingest` does.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
ratings=${1:-10000000}
reps=${2:-5}
[ -z "$smoke" ] || { ratings=20000; reps=1; }
cinemesh_binary
csv="$work/gen-$ratings"
if [ ! -f "$csv/ratings.csv" ]; then
  "$bin" generate --ratings "$ratings" --seed 7 --csv "$csv" --force
fi
venv=benchmarks/.venv
pandas=""
python_peer pandas pandas && pandas=1
cat > "$work/pandas_ingest.py" <<'PY'
import sys, time
import numpy as np
import pandas as pd
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
df = pd.read_csv(path)
if mode == "pipeline":
    u, users = pd.factorize(df["userId"])
    i, items = pd.factorize(df["movieId"])
    ub = (u * 4 // len(users)).astype(np.int64)
    ib = (i * 4 // len(items)).astype(np.int64)
    order = np.lexsort((i, u, ib, ub))
    for name, col in (("u", u), ("i", i), ("r", df["rating"].to_numpy(np.float32)), ("t", df["timestamp"].to_numpy())):
        np.save(f"{out}/{name}.npy", col[order])
print(f"seconds {time.perf_counter() - t:.3f} rows {len(df)}")
PY
rm -rf "$work/pandas-out" && mkdir -p "$work/pandas-out"
measure() {  # label, command...: prints "label seconds peak_kib"
  local label=$1; shift
  local log="$work/time.log"
  /usr/bin/time -v "$@" > "$work/out.log" 2> "$log"
  local secs
  secs=$(grep -oE '^seconds [0-9.]+' "$work/out.log" | cut -d' ' -f2 || true)
  if [ -z "$secs" ]; then
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; print s }' "$log")
  fi
  echo "$label $secs $(awk -F': ' '/Maximum resident/ { print $2 }' "$log")"
}
results="$work/results.txt"
: > "$results"
size=$(stat -c %s "$csv/ratings.csv")
echo "file: $csv/ratings.csv ($ratings ratings, $size bytes); $reps repetitions each, interleaved" >&2
for r in $(seq "$reps"); do
  measure cinemesh "$bin" ingest "$csv" --out "$work/dataset" --force >> "$results"
  # The phase timings: the summary's line after "took" (whatever the phases are called).
  awk 'took { sub(/^ */, "phases "); print; exit } /^  took /{ took = 1 }' "$work/out.log" >> "$results"
  [ -n "$pandas" ] || continue
  measure pandas-read_csv "$venv/bin/python" "$work/pandas_ingest.py" read_csv "$csv/ratings.csv" "$work/pandas-out" >> "$results"
  measure pandas-pipeline "$venv/bin/python" "$work/pandas_ingest.py" pipeline "$csv/ratings.csv" "$work/pandas-out" >> "$results"
done
python3 - "$results" "$ratings" "$size" <<'PY'
import sys, statistics
path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows, phases = {}, []
for line in open(path):
    parts = line.split()
    if parts[0] == "phases":
        phases.append(" ".join(parts[1:]))
        continue
    rows.setdefault(parts[0], []).append((float(parts[1]), int(parts[2])))
print(f"| tool | median s | best s | ratings/s (median) | MB/s | peak RSS MiB (max) |")
print(f"|---|---:|---:|---:|---:|---:|")
for label, runs in rows.items():
    secs = [s for s, _ in runs]
    med = statistics.median(secs)
    peak = max(k for _, k in runs) / 1024
    print(f"| {label} | {med:.2f} | {min(secs):.2f} | {n / med / 1e6:.2f} M | {size / med / 1e6:.0f} | {peak:.0f} |")
print()
print(f"in-memory output columns: {n * 20 / 2**20:.0f} MiB (user, item u32; rating f32; timestamp i64)")
print("cinemesh phases per run: " + " | ".join(phases))
PY
