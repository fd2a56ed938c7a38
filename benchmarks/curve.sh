#!/usr/bin/env bash
# What CURVE costs, release build: two clusters of a coordinator and 2 workers on loopback, one
# with plain TCP and one with CURVE keys (docs/SECURITY.md), rounds alternating between them so
# both see the same machine. Each round:
#   shipping  workers with empty caches run a stats job, which ships every shard of the dataset:
#             MB shipped over the job's seconds (the stats themselves take a small part of it);
#   epoch     svd with warm caches: the median epoch time over epochs 2 to EPOCHS-1, whose traffic
#             is the factor rows moving between workers through the coordinator.
#
#   benchmarks/curve.sh [RATINGS=10000000] [GRID=8x8] [EPOCHS=6] [FACTORS=100] [ROUNDS=3]
#   benchmarks/curve.sh --smoke  # 20,000 ratings, 2x2 grid, 3 epochs of 8 factors, 1 round (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
ratings=${1:-10000000}
grid=${2:-8x8}
epochs=${3:-6}
factors=${4:-100}
rounds=${5:-3}
[ -z "$smoke" ] || { ratings=20000; grid=2x2; epochs=3; factors=8; rounds=1; }
. benchmarks/generated-dataset.sh
scratch=$(mktemp -d /tmp/cinemesh-curve-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT

# Keys: one set serves the CURVE cluster's coordinator, workers and client.
keys=$scratch/keys
for role in coordinator worker client; do "$bin" keys generate --role "$role" --out "$keys" --name "bench-$role" >/dev/null; done
"$bin" keys allow "$keys/worker.key" --list "$keys/allow.list" >/dev/null
"$bin" keys allow "$keys/client.key" --list "$keys/allow.list" >/dev/null
mkdir -p "$scratch/datasets"
ln -s "$ds" "$scratch/datasets/bench"

port_base=$((20000 + RANDOM % 20000))
declare -A endpoint security
endpoint[plain]=$port_base; security[plain]=""
endpoint[curve]=$((port_base + 10)); security[curve]=$keys
start_coordinator() {   # MODE
  local mode=$1 p=${endpoint[$1]}
  "$bin" coordinator --bind "tcp://127.0.0.1:$p" --clients "tcp://127.0.0.1:$((p + 1))" --metrics "127.0.0.1:$((p + 2))" \
    --state-dir "$scratch/$mode/state" --datasets-dir "$scratch/datasets" --set security.keys_dir="${security[$mode]}" \
    --set log.level=warning >> "$scratch/$mode.log" 2>&1 &
  pids+=($!)
}
worker_pids=()
start_workers() {   # MODE CACHE-TAG: two workers with caches of their own
  local mode=$1 p=${endpoint[$1]}
  worker_pids=()
  for i in 1 2; do
    "$bin" worker --coordinator "tcp://127.0.0.1:$p" --cache-dir "$scratch/$mode/cache-$2-$i" --set worker.id="$mode-$i" \
      --set security.keys_dir="${security[$mode]}" --set log.level=warning >> "$scratch/$mode.log" 2>&1 &
    worker_pids+=($!); pids+=($!)
  done
  local deadline=$((SECONDS + 30))
  until [ "$(client "$mode" workers 2>/dev/null | grep -c "$mode-")" = 2 ]; do
    [ $SECONDS -lt $deadline ] || { echo "the $mode workers did not register" >&2; tail "$scratch/$mode.log" >&2; exit 1; }
    sleep 0.2
  done
}
stop_workers() { for p in "${worker_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
client() { local mode=$1; shift; "$bin" "$@" --coordinator "tcp://127.0.0.1:$((${endpoint[$mode]} + 1))" --set security.keys_dir="${security[$mode]}"; }
shipped() { curl -s "http://127.0.0.1:$((${endpoint[$1]} + 2))/metrics" | awk '/^cinemesh_bytes_shipped_total/ { print $2 }'; }
job_json() { client "$1" status "$2" --json; }

for mode in plain curve; do start_coordinator "$mode"; done
sleep 1
results=$scratch/results
: > "$results"
for round in $(seq 1 "$rounds"); do
  for mode in plain curve; do
    # Shipping: cold caches, a stats job.
    start_workers "$mode" "r$round"
    before=$(shipped "$mode")
    id=$(client "$mode" submit --type stats --dataset bench)
    until [ "$(job_json "$mode" "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = succeeded ]; do sleep 0.1; done
    after=$(shipped "$mode")
    job_json "$mode" "$id" | python3 -c "
import json, sys
r = json.load(sys.stdin)
seconds = r['finishedAt'] - r['startedAt']
mb = ($after - $before) / 1e6
print('$mode shipping %.1f %.3f' % (mb, seconds))" >> "$results"
    # Epochs: the same workers, caches now warm.
    id=$(client "$mode" submit --type train --dataset bench --param algo=svd --param factors="$factors" --param epochs="$epochs" --param split=random:0.1 --param name="bench-$mode")
    until [ "$(job_json "$mode" "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = succeeded ]; do sleep 0.2; done
    job_json "$mode" "$id" | python3 -c "
import json, statistics, sys
costs = json.loads(json.load(sys.stdin)['result'])['costs']
middle = costs[1:$epochs - 1] if $epochs > 2 else costs
print('$mode epoch %.4f %.1f' % (statistics.median(c['seconds'] for c in middle), statistics.median(c['factorBytes'] for c in middle) / 1e6))" >> "$results"
    stop_workers
    echo "round $round, $mode: $(grep "^$mode" "$results" | tail -2 | tr '\n' ' ')"
  done
done
python3 - "$results" "$rounds" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def figures(mode, kind):
    return [tuple(map(float, r[2:])) for r in rows if r[0] == mode and r[1] == kind]
print("\n== summary, medians over %s rounds" % sys.argv[2])
ship = {m: statistics.median(mb / s for mb, s in figures(m, "shipping")) for m in ("plain", "curve")}
epoch = {m: statistics.median(s for s, _ in figures(m, "epoch")) for m in ("plain", "curve")}
moved = statistics.median(mb for _, mb in figures("plain", "epoch"))
print("shard shipping (stats job, cold caches): plain %.0f MB/s, CURVE %.0f MB/s (%+.1f%%)" % (ship["plain"], ship["curve"], 100 * (ship["curve"] / ship["plain"] - 1)))
print("svd epoch (%.0f MB of factor rows moved):  plain %.3f s, CURVE %.3f s (%+.1f%%)" % (moved, epoch["plain"], epoch["curve"], 100 * (epoch["curve"] / epoch["plain"] - 1)))
per_round = [c[0] / p[0] - 1 for p, c in zip(figures("plain", "epoch"), figures("curve", "epoch"))]
print("epoch cost of CURVE round by round: " + ", ".join("%+.1f%%" % (100 * r) for r in per_round))
EOF
