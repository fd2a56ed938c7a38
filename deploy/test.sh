#!/usr/bin/env bash
# The test suite: installs libzmq if missing, builds, and runs every test (unit, real-data,
# and CLI tests that start the cinemesh binary). Real-data tests read ../shared/data (or
# $CINEMESH_SHARED_DATA) and are skipped with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
# The module layering (docs/ARCHITECTURE.md): first the check's own test, then the tree.
python3 deploy/check-layers.py --self-test
python3 deploy/check-layers.py
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
