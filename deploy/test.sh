#!/usr/bin/env bash
# The test suite: installs libzmq if missing, builds, and runs every test (unit, real-data,
# and CLI tests that start the cinemesh binary), checks the systemd units, builds the tarball
# (deploy/package.sh) and runs its binary, then every benchmark script in smoke mode.
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
# The systemd units (docs/DEPLOY.md), as systemd reads them.
deploy/verify-units.sh .build/debug/cinemesh
# The tarball to copy (deploy/package.sh): what it holds, and that its binary runs with no Swift
# runtime beside it. The longest step on a fresh clone: a release build from scratch, 24 minutes
# on two cores shared with other builds (load 10); a minute once .build/release exists.
tarball=$(deploy/package.sh | tail -n 1)
name=$(basename "$tarball" .tar.gz)
contents=$(tar tzf "$tarball" | LC_ALL=C sort | tr '\n' ' ')
expected="$name/ $name/README.md $name/bin/ $name/bin/cinemesh $name/config/ $name/config/cluster.toml $name/config/hosts.toml $name/systemd/ $name/systemd/cinemesh-coordinator.service $name/systemd/cinemesh-gateway.service $name/systemd/cinemesh-retrain.service $name/systemd/cinemesh-retrain.timer $name/systemd/cinemesh-worker.service $name/systemd/cinemesh.sysusers "
if [ "$contents" != "$expected" ]; then
  echo "package: $tarball holds $contents; expected $expected" >&2
  exit 1
fi
tar xzf "$tarball" -C "$run_tmp"
env -i "$run_tmp/$name/bin/cinemesh" version
# `cinemesh query` against DuckDB on the real data (Tests/duckdb/differential.py, one to two minutes):
# every case in this process and on a local cluster of 2 workers. Needs the duckdb Python
# package (installed here with pip when missing) and the shared data; skipped with a message
# without them. A failure fails this script, after the benchmarks' smoke runs.
differential=0
shared=${CINEMESH_SHARED_DATA:-../shared/data}
duckdb_missing=""
if ! python3 -c 'import duckdb' 2>/dev/null; then
  if ! pip_out=$(python3 -m pip install --quiet duckdb 2>&1); then
    # pip's first error line (e.g. "error: externally-managed-environment"), else its last line.
    duckdb_missing=$(printf '%s\n' "$pip_out" | awk 'tolower($0) ~ /error/ && e == "" { e = $0 } NF { l = $0 } END { print (e != "" ? e : l) }')
  fi
  if [ -z "$duckdb_missing" ] && ! python3 -c 'import duckdb' 2>/dev/null; then
    duckdb_missing=$(python3 -c 'import duckdb' 2>&1 | tail -n 1)
  fi
fi
if [ -n "$duckdb_missing" ]; then
  echo "duckdb differential: skipped (duckdb cannot be installed: ${duckdb_missing:-unknown error})"
elif [ ! -d "$shared/ml-latest-small" ] || [ ! -d "$shared/netflix-titles" ]; then
  echo "duckdb differential: skipped ($shared has no ml-latest-small and netflix-titles; set CINEMESH_SHARED_DATA)"
else
  python3 Tests/duckdb/differential.py --cinemesh "$PWD/.build/debug/cinemesh" --data "$shared" --cluster 2 || differential=$?
fi
# Several boxes: network namespaces on a bridge, CURVE between them, faults and intruders
# (deploy/netns-harness.sh, a few minutes; skipped with a message where namespaces cannot be made).
# The boxes run the tarball's binary, as a newcomer following docs/DEPLOY.md would.
harness=0
CINEMESH_BIN=$run_tmp/$name/bin/cinemesh deploy/netns-harness.sh || harness=$?
# The launcher (`cinemesh cluster up|status|down`, deploy/launcher-harness.sh, about a minute):
# boxes that boot systemd and sshd in containers, each in a network namespace, installed from the
# tarball over ssh; skipped with a message where such containers cannot be made.
launcher=0
CINEMESH_PACKAGE=$tarball deploy/launcher-harness.sh || launcher=$?
# The benchmark scripts still work: each in smoke mode, on the debug binary just built (about a minute).
CINEMESH_BIN=$PWD/.build/debug/cinemesh benchmarks/smoke.sh
# The libFuzzer targets (deploy/fuzz.sh): each frame, body and file decoder 20 s on seeds made
# from real files, in a build of its own (.build-fuzz). A crash fails this script, like the
# differential's failure, after everything else has run; the input is kept in .build-fuzz/findings.
fuzz=0
CINEMESH_BIN=$PWD/.build/debug/cinemesh deploy/fuzz.sh --seconds 20 || fuzz=$?
[ "$differential" -ne 0 ] && exit "$differential"
[ "$harness" -ne 0 ] && exit "$harness"
[ "$launcher" -ne 0 ] && exit "$launcher"
exit "$fuzz"
