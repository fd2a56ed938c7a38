#!/usr/bin/env bash
# Gateway load benchmark, release build: wrk (Debian package) on loopback for SECONDS against a
# gateway serving an svd model of 20,000 items x 64 factors, then one of 200,000 items x 64
# factors: GET top-10 recommendations for a known user, and POST fold-in of a new user's five
# ratings. Prints wrk's requests/s and latency percentiles.
#
#   benchmarks/gateway.sh [SECONDS=30]
#   CINEMESH_TARGET_CPU=haswell benchmarks/gateway.sh   # kernels built for AVX2 (Package.swift)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
work=$PWD/benchmarks/work
mkdir -p "$work"
deploy/install-deps.sh
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }; }
scratch=.build${CINEMESH_TARGET_CPU:+-$CINEMESH_TARGET_CPU}
swift build -c release --product cinemesh --scratch-path "$scratch" >/dev/null
bin=$PWD/$scratch/release/cinemesh
echo "binary: $bin (target CPU: ${CINEMESH_TARGET_CPU:-default x86-64})"
port=18090
for items in 20000 200000; do
  ds="$work/gateway-$items"
  if [ ! -f "$ds/models/registry.sqlite" ]; then
    "$bin" generate --ratings 2000000 --users 50000 --items "$items" --seed 5 --dataset "$ds/data" --force >/dev/null
    "$bin" train "$ds/data" --factors 64 --epochs 2 --split random:0.01 --store "$ds/models" >/dev/null
  fi
  "$bin" gateway --models "$ds/models" --port "$port" --log-level warning &
  pid=$!
  sleep 2
  # The fold-in rates five of the model's most popular titles.
  curl -s "http://127.0.0.1:$port/v1/popular?n=5" | python3 -c '
import json, sys
items = [p["item"] for p in json.load(sys.stdin)["items"]]
body = json.dumps({"ratings": [{"item": i, "rating": r} for i, r in zip(items, [5, 4, 1, 3, 5])], "n": 10})
print("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = " + json.dumps(body))
' > "$work/foldin.lua"
  for c in 16 32; do
    echo "== $items items x 64 factors, $c connections: GET /v1/users/1/recommendations?n=10"
    wrk -t2 -c$c -d"${seconds}s" --latency "http://127.0.0.1:$port/v1/users/1/recommendations?n=10" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  done
  # A user drawn at random (ids 1 to 50,000) per request: how much of the catalog the bound prunes
  # depends on the user.
  cat > "$work/random-user.lua" <<'LUA'
math.randomseed(7)
request = function() return wrk.format(nil, "/v1/users/" .. math.random(1, 50000) .. "/recommendations?n=10") end
LUA
  echo "== $items items x 64 factors, 16 connections: GET /v1/users/RANDOM/recommendations?n=10"
  wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/random-user.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  echo "== $items items x 64 factors, 16 connections: POST /v1/recommendations (fold-in of 5 ratings)"
  wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/foldin.lua" "http://127.0.0.1:$port/v1/recommendations" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
