#!/usr/bin/env bash
# Every benchmark in smoke mode (benchmarks/common.sh): each on a tiny generated input, in a few
# seconds, so a change that breaks one is caught without running it for real. The figures mean
# nothing. Prints one line per benchmark (and the log's tail of one that failed); fails if any
# failed. Logs in benchmarks/work/smoke/logs.
#
#   benchmarks/smoke.sh
#   CINEMESH_BIN=.build/debug/cinemesh benchmarks/smoke.sh   # no release build (deploy/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CINEMESH_BIN:-}" ]; then
  deploy/install-deps.sh
  swift build -c release --product cinemesh >/dev/null
  export CINEMESH_BIN=$PWD/.build/release/cinemesh
fi
logs=benchmarks/work/smoke/logs
mkdir -p "$logs"
venv=benchmarks/.venv
python=python3
[ -x "$venv/bin/python" ] && python=$venv/bin/python
failed=()
# implicit.sh reads accuracy.sh's split and implicit_iteration.py ingest.sh's file: they come after.
for bench in ingest accuracy implicit cluster distributed curve gateway netflix-scale model-checksums query classify knn implicit_iteration; do
  start=$SECONDS
  if [ "$bench" = implicit_iteration ]; then
    command=("$python" benchmarks/implicit_iteration.py --smoke benchmarks/work/smoke/gen-20000/ratings.csv)
  else
    command=(benchmarks/$bench.sh --smoke)
  fi
  if "${command[@]}" > "$logs/$bench.log" 2>&1; then
    echo "ok      $bench ($((SECONDS - start)) s)"
  else
    echo "FAILED  $bench ($((SECONDS - start)) s); the end of $logs/$bench.log:"
    tail -n 15 "$logs/$bench.log" | sed 's/^/        /'
    failed+=("$bench")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmark smoke runs failed: ${failed[*]}" >&2
  exit 1
fi
echo "every benchmark ran in smoke mode"
