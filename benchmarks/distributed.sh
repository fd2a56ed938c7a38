#!/usr/bin/env bash
# Distributed training benchmark, release build: `cinemesh train --algo svd` on a generated
# dataset in one process (both cores) and on local clusters of 1 and 2 worker processes, same
# flags, same split. Prints each run's per-epoch table; the models are the same bits, so the
# RMSE columns must agree to the last digit.
#
#   benchmarks/distributed.sh [RATINGS=10000000] [GRID=8x8] [EPOCHS=5] [FACTORS=100]
set -euo pipefail
cd "$(dirname "$0")/.."
ratings=${1:-10000000}
grid=${2:-8x8}
epochs=${3:-5}
factors=${4:-100}
. benchmarks/generated-dataset.sh
python3 -c "import json; m=json.load(open('$ds/manifest.json')); print('dataset: %d ratings, %d users, %d items, grid $grid' % (m['ratings'], m['users'], m['items']))"
flags=(--algo svd --factors "$factors" --epochs "$epochs" --split random:0.1)
export CINEMESH_HOME=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
echo "== one process"
"$bin" train "$ds" "${flags[@]}" 2>/dev/null | grep -E '^ +[0-9]+ +[0-9]|epoch'
for workers in 1 2; do
  echo "== $workers worker process(es)"
  "$bin" train "$ds" --local "$workers" "${flags[@]}" 2>/dev/null | grep -E '^ +[0-9]+ +[0-9]|epoch'
done
rm -rf "$CINEMESH_HOME"
