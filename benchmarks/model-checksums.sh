#!/usr/bin/env bash
# Model checksums: trains svd, als, als-implicit and baseline on the same dataset and seed in one
# process and on throwaway local clusters of 1, 2 and 3 workers, and prints each model file's
# SHA-256. The cluster's models must be the same bytes for any number of workers (the script fails
# otherwise); keep its output from before a change that must not alter models and compare.
# One-process files differ in their metadata: per-epoch timings, and the extra held-out metrics
# the one-process command records.
#
#   benchmarks/model-checksums.sh [DATASET-SOURCE=../shared/data/ml-100k]
#   benchmarks/model-checksums.sh --smoke      # 20,000 generated ratings (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
cinemesh_binary
dir=$work/model-checksums
rm -rf "$dir" && mkdir -p "$dir"
if [ -n "$smoke" ]; then
  "$bin" generate --ratings 20000 --seed 7 --dataset "$dir/ds" >/dev/null
else
  "$bin" ingest "${1:-../shared/data/ml-100k}" --out "$dir/ds" >/dev/null
fi
export CINEMESH_HOME=$dir/home
status=0
for algo in svd als als-implicit baseline; do
  case $algo in
    svd) flags=(--epochs 5 --factors 20) ;;
    als | als-implicit) flags=(--epochs 3 --factors 10) ;;
    baseline) flags=() ;;
  esac
  "$bin" train "$dir/ds" --algo "$algo" "${flags[@]}" --save "$dir/one-$algo.cmmodel" >/dev/null
  for workers in 1 2 3; do
    "$bin" train "$dir/ds" --algo "$algo" "${flags[@]}" --local "$workers" --save "$dir/w$workers-$algo.cmmodel" >/dev/null 2>&1
  done
  (cd "$dir" && sha256sum "one-$algo.cmmodel" "w1-$algo.cmmodel" "w2-$algo.cmmodel" "w3-$algo.cmmodel")
  if [ "$(cd "$dir" && sha256sum "w1-$algo.cmmodel" "w2-$algo.cmmodel" "w3-$algo.cmmodel" | cut -d' ' -f1 | sort -u | wc -l)" != 1 ]; then
    echo "$algo: the models of 1, 2 and 3 workers differ" >&2
    status=1
  fi
done
exit $status
