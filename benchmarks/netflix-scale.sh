#!/usr/bin/env bash
# Netflix-Prize scale, release build: 100M generated ratings (480,000 users, 17,700 items, 8x8
# grid), `svd` with 100 factors for 20 epochs on a local cluster of 2 worker processes, 1% held
# out. Prints the per-epoch table (seconds, kernel time, where the workers' time went) and each
# process's peak resident memory (VmHWM) read before the cluster is stopped.
#
#   benchmarks/netflix-scale.sh [EPOCHS=20] [WORKERS=2]
#   benchmarks/netflix-scale.sh --smoke  # 20,000 ratings, 2x2 grid, 2 epochs of 8 factors (benchmarks/common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
epochs=${1:-20}
workers=${2:-2}
ratings=100000000 users=480000 items=17700 grid=8x8 factors=100 held_out=0.01
[ -z "$smoke" ] || { epochs=2; ratings=20000; users=500; items=200; grid=2x2; factors=8; held_out=0.1; }
cinemesh_binary
ds="$work/netflix-size"
if [ ! -f "$ds/manifest.json" ]; then
  "$bin" generate --ratings "$ratings" --users "$users" --items "$items" --seed 11 --grid "$grid" --dataset "$ds" --force
fi
export CINEMESH_HOME=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
trap '"$bin" down >/dev/null 2>&1 || true; rm -rf "$CINEMESH_HOME"' EXIT
"$bin" up --workers "$workers" >/dev/null
start=$(date +%s.%N)
"$bin" train "$ds" --cluster --factors "$factors" --epochs "$epochs" --split "random:$held_out" 2>/dev/null
echo "command wall time: $(python3 -c "print('%.1f s' % ($(date +%s.%N) - $start))")"
python3 - "$CINEMESH_HOME/cluster/cluster.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for p in [c["coordinator"]] + c["workers"]:
    hwm = next(l for l in open(f"/proc/{p['pid']}/status") if l.startswith("VmHWM")).split()[1]
    print(f"{p['name']}: peak resident {int(hwm) / 1024:.0f} MiB")
PY
