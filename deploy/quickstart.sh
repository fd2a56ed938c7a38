#!/usr/bin/env bash
# The main job on the bundled sample: installs libzmq if missing, builds cinemesh (release),
# ingests data/sample into a dataset directory and prints its summary.
# Work files go to $CINEMESH_HOME (default: .cinemesh in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
swift build -c release --product cinemesh
bin=.build/release/cinemesh
home=${CINEMESH_HOME:-.cinemesh}
"$bin" ingest data/sample --out "$home/datasets/sample" --force
echo
"$bin" inspect "$home/datasets/sample"
