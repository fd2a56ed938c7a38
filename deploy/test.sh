#!/usr/bin/env bash
# The test suite: installs libzmq if missing, builds, and runs every test (unit, real-data,
# and CLI tests that start the cinemesh binary), then every benchmark script in smoke mode.
# Real-data tests read ../shared/data (or $CINEMESH_SHARED_DATA) and are skipped with a message
# when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every swift invocation leaves a TemporaryDirectory.* folder in the temp folder (the Swift
# driver's, never removed on Linux: swiftlang/swift-driver#1613 and #2049); the tests leave none.
# They all go to a temp folder of this run's own, removed when it ends.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/cinemesh-test-XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR=$run_tmp
deploy/install-deps.sh
# The module layering (docs/ARCHITECTURE.md): first the check's own test, then the tree.
python3 deploy/check-layers.py --self-test
python3 deploy/check-layers.py
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
# The benchmark scripts still work: each in smoke mode, on the debug binary just built (about a minute).
CINEMESH_BIN=$PWD/.build/debug/cinemesh benchmarks/smoke.sh
