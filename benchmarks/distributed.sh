#!/usr/bin/env bash
# Distributed training benchmark, release build: `cinemesh train --algo svd` on a generated
# dataset in one process (both cores), then on two lasting local clusters (`cinemesh up`) of 1 and
# of 2 worker processes, with runs alternating between them so both see the same machine. Each run
# is followed by the per-epoch costs from its job record; the summary gives the median epoch
# time over the epochs that are neither the first (it ships shards and held-out ratings) nor the
# last (it collects the final model), the speed-up, and where the workers' time went.
# The models are the same bits, so every run prints the same RMSE columns to the last digit.
#
#   benchmarks/distributed.sh [RATINGS=10000000] [GRID=8x8] [EPOCHS=10] [FACTORS=100] [ROUNDS=3]
#   benchmarks/distributed.sh --smoke  # 20,000 ratings, 2x2 grid, 3 epochs of 8 factors, 1 round (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
ratings=${1:-10000000}
grid=${2:-8x8}
epochs=${3:-10}
factors=${4:-100}
rounds=${5:-3}
[ -z "$smoke" ] || { ratings=20000; grid=2x2; epochs=3; factors=8; rounds=1; }
. benchmarks/generated-dataset.sh
python3 -c "import json; m=json.load(open('$ds/manifest.json')); print('dataset: %d ratings, %d users, %d items, grid $grid' % (m['ratings'], m['users'], m['items']))"
flags=(--algo svd --factors "$factors" --epochs "$epochs" --split random:0.1)
homes=()
cleanup() { for h in "${homes[@]}"; do CINEMESH_HOME=$h "$bin" down >/dev/null 2>&1 || true; rm -rf "$h"; done; }
trap cleanup EXIT
echo "== one process"
"$bin" train "$ds" "${flags[@]}" 2>/dev/null | grep -E '^ +[0-9]+ +[0-9]|epoch'
for workers in 1 2; do
  home=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
  homes+=("$home")
  CINEMESH_HOME=$home "$bin" up --workers "$workers" >/dev/null
  # Ships the shards to the workers' caches, so every measured run starts warm.
  CINEMESH_HOME=$home "$bin" train "$ds" --cluster "${flags[@]}" --epochs 1 >/dev/null 2>&1
done
records=$(mktemp -d /tmp/cinemesh-bench-records-XXXXXX)
trap 'cleanup; rm -rf "$records"' EXIT
for round in $(seq 1 "$rounds"); do
  for n in 0 1; do
    workers=$((n + 1))
    echo "== round $round, $workers worker process(es)"
    CINEMESH_HOME=${homes[$n]} "$bin" train "$ds" --cluster "${flags[@]}" 2>/dev/null | grep -E '^ +[0-9]+ +[0-9]|epoch'
    id=$(CINEMESH_HOME=${homes[$n]} "$bin" jobs 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $1 > id {id = $1} END {print id}')
    CINEMESH_HOME=${homes[$n]} "$bin" status "$id" --json > "$records/$workers-$round.json"
  done
done
python3 - "$records" "$epochs" "$rounds" <<'EOF'
import glob, json, statistics, sys
records, epochs, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def costs(path):
    result = json.loads(json.load(open(path))["result"])
    return result["costs"][1:epochs - 1] if epochs > 2 else result["costs"]
median = statistics.median
summary = {}
for workers in (1, 2):
    cs = [c for r in range(1, rounds + 1) for c in costs(f"{records}/{workers}-{r}.json")]
    cap = lambda c: c["seconds"] * c["workers"]
    s = summary[workers] = {
        "seconds": median(c["seconds"] for c in cs),
        "sgd": median(c["kernelCPUSeconds"] / cap(c) for c in cs),
        "scoring": median(c["scoringSeconds"] / cap(c) for c in cs),
        "messaging": median(max(0, 1 - (c["kernelCPUSeconds"] + c["scoringSeconds"]) / cap(c)) for c in cs),
        "copying": median(max(0, c["taskSeconds"] - c["kernelSeconds"]) / cap(c) for c in cs),
        "offcore": median(max(0, c["kernelSeconds"] - c["kernelCPUSeconds"]) / cap(c) for c in cs),
        "moved": median(c["factorBytes"] for c in cs) / 1e6,
        "epochs": len(cs),
    }
    s["idle"] = max(0, s["messaging"] - s["copying"] - s["offcore"])
ratios = [median(c["seconds"] for c in costs(f"{records}/1-{r}.json")) / median(c["seconds"] for c in costs(f"{records}/2-{r}.json"))
          for r in range(1, rounds + 1)]
print("\n== summary (median over %d and %d epochs: every run's epochs 2 to %d)" % (summary[1]["epochs"], summary[2]["epochs"], epochs - 1))
print("Shares of the workers' time (epoch seconds x workers): SGD kernels' CPU time, held-out scoring's CPU time, and the")
print("rest, messaging: frames copied in and out of tasks, kernels' time off their cores (messaging threads, the")
print("coordinator), and the task threads idle (waiting for rows).")
print("workers  epoch s    sgd  scoring  messaging (copying  off-core   idle)  moved MB")
for w, s in summary.items():
    print("%7d  %7.3f  %4.1f%%  %6.1f%%  %8.1f%%  (%6.1f%%  %7.1f%%  %5.1f%%)  %8.1f" % (
        w, s["seconds"], 100 * s["sgd"], 100 * s["scoring"], 100 * s["messaging"], 100 * s["copying"], 100 * s["offcore"],
        100 * s["idle"], s["moved"]))
print("2 workers against one per epoch, round by round: " + ", ".join("%.2fx" % r for r in ratios))
print("2 workers are %.2fx one worker per epoch (medians); median of the rounds %.2fx" % (summary[1]["seconds"] / summary[2]["seconds"], median(ratios)))
EOF
