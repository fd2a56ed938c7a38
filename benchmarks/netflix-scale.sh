#!/usr/bin/env bash
# Netflix-Prize scale, release build: 100M generated ratings (480,000 users, 17,700 items, 8x8
# grid), `svd` with 100 factors for 20 epochs on a local cluster of 2 worker processes, 1% held
# out. Prints the per-epoch table (seconds, kernel time, where the workers' time went) and each
# process's peak resident memory (VmHWM) read before the cluster is stopped.
#
#   benchmarks/netflix-scale.sh [EPOCHS=20] [WORKERS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-20}
workers=${2:-2}
ratings=100000000
grid=8x8
work=$PWD/benchmarks/work
mkdir -p "$work"
deploy/install-deps.sh
swift build -c release --product cinemesh >/dev/null
bin=$PWD/.build/release/cinemesh
ds="$work/netflix-size"
if [ ! -f "$ds/manifest.json" ]; then
  "$bin" generate --ratings "$ratings" --users 480000 --items 17700 --seed 11 --grid "$grid" --dataset "$ds" --force
fi
export CINEMESH_HOME=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
"$bin" up --workers "$workers" >/dev/null
start=$(date +%s.%N)
"$bin" train "$ds" --cluster --factors 100 --epochs "$epochs" --split random:0.01 2>/dev/null
echo "command wall time: $(python3 -c "print('%.1f s' % ($(date +%s.%N) - $start))")"
python3 - "$CINEMESH_HOME/cluster/cluster.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for p in [c["coordinator"]] + c["workers"]:
    hwm = next(l for l in open(f"/proc/{p['pid']}/status") if l.startswith("VmHWM")).split()[1]
    print(f"{p['name']}: peak resident {int(hwm) / 1024:.0f} MiB")
PY
"$bin" down >/dev/null
rm -rf "$CINEMESH_HOME"
