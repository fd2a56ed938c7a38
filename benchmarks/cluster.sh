#!/usr/bin/env bash
# Cluster benchmark, release build: the `stats` job on a generated dataset through a local
# cluster of 1 and 2 worker processes, each twice: cold (every shard shipped to the workers'
# empty caches) and warm (caches full). Reports the job's wall time (from its registry record),
# the shard bytes the coordinator shipped (from /metrics) and the shipping rate.
#
#   benchmarks/cluster.sh [RATINGS=10000000] [GRID=8x8]
#   benchmarks/cluster.sh --smoke      # 20,000 ratings on a 2x2 grid (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
ratings=${1:-10000000}
grid=${2:-8x8}
[ -z "$smoke" ] || { ratings=20000; grid=2x2; }
. benchmarks/generated-dataset.sh
shard_bytes=$(python3 -c "import json,sys; m=json.load(open('$ds/manifest.json')); print(sum(b['bytes'] for b in m['blocks']))")
echo "dataset: $ratings ratings on a $grid grid, $shard_bytes shard bytes"
printf '%-8s %-6s %10s %14s %12s\n' workers cache seconds "bytes shipped" "MB/s"
home=""
# A cluster left up by a failed run is stopped all the same.
trap '[ -z "$home" ] || { CINEMESH_HOME=$home "$bin" down >/dev/null 2>&1 || true; rm -rf "$home"; }' EXIT
for workers in 1 2; do
  home=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
  export CINEMESH_HOME=$home
  "$bin" up --workers "$workers" >/dev/null
  metrics=$(python3 -c "import json; print(json.load(open('$home/cluster/cluster.json'))['endpoints']['metrics'])")
  shipped_before=0
  for cache in cold warm; do
    id=$("$bin" submit --type stats --dataset "$ds")
    "$bin" status "$id" --follow >/dev/null 2>&1
    seconds=$("$bin" status "$id" --json | python3 -c "import json,sys; r=json.load(sys.stdin); assert r['state']=='succeeded', r; print('%.3f' % (r['finishedAt']-r['startedAt']))")
    shipped=$(curl -s "http://$metrics/metrics" | awk '$1=="cinemesh_bytes_shipped_total"{print $2}')
    delta=$(python3 -c "print(int(float('$shipped') - float('$shipped_before')))")
    rate=$(python3 -c "print('%.0f' % ($delta / 1e6 / $seconds) if $delta > 0 else '-')")
    printf '%-8s %-6s %10s %14s %12s\n' "$workers" "$cache" "$seconds" "$delta" "$rate"
    shipped_before=$shipped
  done
  "$bin" down >/dev/null
  rm -rf "$home"
done
