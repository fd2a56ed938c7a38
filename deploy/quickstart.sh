#!/usr/bin/env bash
# The main job on the bundled sample: installs libzmq if missing, builds cinemesh (release),
# ingests data/sample into a dataset directory, starts a local cluster (a coordinator and two
# worker processes on loopback) for the stats job, prints the merged result, then trains an SVD
# model on another local cluster (20% of the ratings held out; the model is byte-identical for
# any number of workers), keeps it in a model store, and prints three users' recommendations.
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
"$bin" train "$home/datasets/sample" --local 2 --algo svd --factors 50 --epochs 30 --lr 0.01 --reg 0.05 \
  --store "$home/models/sample"
for user in 1 2 3; do
  echo
  "$bin" recommend "$home/models/sample" --user "$user" -n 5
done
