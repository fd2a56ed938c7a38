#!/usr/bin/env bash
# Gateway load benchmark, release build: wrk (Debian package) on loopback for SECONDS against a
# gateway serving an svd model of 20,000 items x 64 factors, then one of 200,000 items x 64
# factors: GET top-10 recommendations for a known user, and POST fold-in of a new user's five
# ratings. Prints wrk's requests/s and latency percentiles.
#
#   benchmarks/gateway.sh [SECONDS=30]
#   benchmarks/gateway.sh --smoke      # 300 and 600 items x 8 factors, 1-second runs (benchmarks/common.sh)
#   CINEMESH_TARGET_CPU=haswell benchmarks/gateway.sh   # kernels built for AVX2 (Package.swift)
#
# Without wrk (it is installed here only outside smoke mode) each request is sent once with curl.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
seconds=${1:-30}
sizes="20000 200000" ratings=2000000 users=50000 factors=64
[ -z "$smoke" ] || { seconds=1; sizes="300 600"; ratings=20000; users=500; factors=8; }
if [ -z "$smoke" ]; then
  command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }; }
fi
load=1
command -v wrk >/dev/null || { load=""; echo "skipping the load runs: wrk is not installed (each request is sent once)" >&2; }
cinemesh_binary ".build${CINEMESH_TARGET_CPU:+-$CINEMESH_TARGET_CPU}"
echo "binary: $bin (target CPU: ${CINEMESH_TARGET_CPU:-default x86-64})"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
# run LABEL WRK-ARGS... -- CURL-ARGS...: wrk's figures; in smoke mode or without wrk, the status of
# one request sent with curl first (an error answer fails the script).
run() {
  local label=$1 wrk_args=() curl_args=()
  shift
  while [ "$1" != "--" ]; do wrk_args+=("$1"); shift; done
  shift
  curl_args=("$@")
  echo "== $label"
  if [ -n "$smoke" ] || [ -z "$load" ]; then
    curl -sf -o /dev/null -w "status %{http_code}\n" "${curl_args[@]}"
  fi
  if [ -n "$load" ]; then
    wrk -t2 -d"${seconds}s" --latency "${wrk_args[@]}" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  fi
}
for items in $sizes; do
  ds="$work/gateway-$items"
  if [ ! -f "$ds/models/registry.sqlite" ]; then
    "$bin" generate --ratings "$ratings" --users "$users" --items "$items" --seed 5 --dataset "$ds/data" --force >/dev/null
    "$bin" train "$ds/data" --factors "$factors" --epochs 2 --split random:0.01 --store "$ds/models" >/dev/null
  fi
  "$bin" gateway --models "$ds/models" --port "$port" --log-level warning --set gateway.rate_limit=0 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  # The fold-in rates five of the model's most popular titles.
  curl -sf "http://127.0.0.1:$port/v1/popular?n=5" | python3 -c '
import json, sys
items = [p["item"] for p in json.load(sys.stdin)["items"]]
body = json.dumps({"ratings": [{"item": i, "rating": r} for i, r in zip(items, [5, 4, 1, 3, 5])], "n": 10})
open(sys.argv[1], "w").write(body)
print("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = " + json.dumps(body))
' "$work/foldin.json" > "$work/foldin.lua"
  for c in 16 32; do
    run "$items items x $factors factors, $c connections: GET /v1/users/1/recommendations?n=10" \
      -c$c "http://127.0.0.1:$port/v1/users/1/recommendations?n=10" -- "http://127.0.0.1:$port/v1/users/1/recommendations?n=10"
  done
  # A user drawn at random (ids 1 to $users) per request: how much of the catalog the bound prunes
  # depends on the user.
  cat > "$work/random-user.lua" <<LUA
math.randomseed(7)
request = function() return wrk.format(nil, "/v1/users/" .. math.random(1, $users) .. "/recommendations?n=10") end
LUA
  run "$items items x $factors factors, 16 connections: GET /v1/users/RANDOM/recommendations?n=10" \
    -c16 -s "$work/random-user.lua" "http://127.0.0.1:$port" -- "http://127.0.0.1:$port/v1/users/$((RANDOM % users + 1))/recommendations?n=10"
  run "$items items x $factors factors, 16 connections: POST /v1/recommendations (fold-in of 5 ratings)" \
    -c16 -s "$work/foldin.lua" "http://127.0.0.1:$port/v1/recommendations" -- \
    -H "Content-Type: application/json" --data-binary "@$work/foldin.json" "http://127.0.0.1:$port/v1/recommendations"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done
