#!/usr/bin/env bash
# The main job on the bundled sample: installs libzmq if missing, builds cinemesh (release),
# ingests data/sample into a dataset directory, starts a local cluster (a coordinator and two
# worker processes on loopback) for the stats job, prints the merged result and the genre-popularity
# report (a query on another local cluster), then trains an SVD
# model on another local cluster (20% of the ratings held out; the model is byte-identical for
# any number of workers), keeps it in a model store, prints three users' recommendations, and
# leaves the HTTP gateway running on that store (port $CINEMESH_GATEWAY_PORT, default 8080).
# Work files go to $CINEMESH_HOME (default: .cinemesh in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
swift build -c release --product cinemesh
bin=.build/release/cinemesh
home=${CINEMESH_HOME:-.cinemesh}
"$bin" ingest data/sample --out "$home/datasets/sample" --force
echo
"$bin" submit --local 2 --type stats --dataset "$home/datasets/sample"
echo
"$bin" report genre-popularity "$home/datasets/sample" --local 2
echo
"$bin" train "$home/datasets/sample" --local 2 --algo svd --factors 50 --epochs 30 --lr 0.01 --reg 0.05 \
  --store "$home/models/sample"
for user in 1 2 3; do
  echo
  "$bin" recommend "$home/models/sample" --user "$user" -n 5
done

# The gateway serves the store in the background and picks up newer versions by itself.
port=${CINEMESH_GATEWAY_PORT:-8080}
if [ -f "$home/gateway.pid" ] && kill -0 "$(cat "$home/gateway.pid")" 2>/dev/null; then
  kill "$(cat "$home/gateway.pid")" && sleep 0.5
fi
nohup "$bin" gateway --models "$home/models/sample" --port "$port" < /dev/null > "$home/gateway.log" 2>&1 &
echo $! > "$home/gateway.pid"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
echo
echo "gateway running on http://127.0.0.1:$port (log $home/gateway.log; stop it with: kill \$(cat $home/gateway.pid))"
echo "\$ curl 'http://127.0.0.1:$port/v1/users/1/recommendations?n=3'"
curl -s "http://127.0.0.1:$port/v1/users/1/recommendations?n=3" || echo "(the gateway did not answer: see $home/gateway.log)"
echo
