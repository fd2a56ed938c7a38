#!/usr/bin/env bash
# The main job on the bundled sample: installs libzmq if missing, builds cinemesh (release),
# ingests data/sample into a dataset directory, starts a local cluster (a coordinator and two
# worker processes on loopback), runs the stats job on it, prints the merged result, stops the
# cluster, then trains and scores an SVD model on the sample (20% of the ratings held out).
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
"$bin" train "$home/datasets/sample" --algo svd --factors 50 --epochs 30 --lr 0.01 --reg 0.05
