# Sourced first by every benchmark script, with the script's arguments. `--smoke` as the first
# argument (or CINEMESH_SMOKE=1) is smoke mode: the benchmark runs in a few seconds on a tiny
# generated input, to check that it still works end to end (its figures mean nothing), its files
# under benchmarks/work/smoke, and it installs nothing: a Python peer that is not installed already
# (in benchmarks/.venv) is skipped with a message.
#
# Sets `smoke` (1 or empty) and `work` (the absolute work directory), drops `--smoke` from the
# arguments, and defines:
#   cinemesh_binary [SCRATCH-PATH]          sets `bin`: in smoke mode $CINEMESH_BIN when set (a
#                                           debug build will do), else the release build, built now
#                                           (in SCRATCH-PATH, default .build);
#   python_peer MODULE PIP-PACKAGE...       whether benchmarks/.venv can import MODULE (outside
#                                           smoke mode after installing the packages); says so when not.
smoke=${CINEMESH_SMOKE:-}
if [ "${1:-}" = "--smoke" ]; then
  smoke=1
  shift
fi
work=$PWD/benchmarks/work${smoke:+/smoke}
mkdir -p "$work"

cinemesh_binary() {
  if [ -n "$smoke" ] && [ -n "${CINEMESH_BIN:-}" ]; then
    bin=$(realpath "$CINEMESH_BIN")
    return
  fi
  local scratch=${1:-.build}
  deploy/install-deps.sh
  swift build -c release --product cinemesh --scratch-path "$scratch" >/dev/null
  bin=$PWD/$scratch/release/cinemesh
}

python_peer() {
  local module=$1 venv=$PWD/benchmarks/.venv
  shift
  if [ -z "$smoke" ]; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c "import $module" 2>/dev/null || "$venv/bin/pip" install -q "$@" || true
  fi
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
    return 0
  fi
  echo "skipping the comparison with $module: it is not installed in $venv" >&2
  return 1
}
