#!/usr/bin/env bash
# The libFuzzer targets (Fuzz/, docs/BENCHMARKS.md "Fuzzing"): builds each with libFuzzer and
# AddressSanitizer in .build-fuzz, makes the seed corpus from real files (deploy/fuzz-seeds.py),
# runs each target for a fixed time and prints, per target, the inputs tried, the seconds and the
# corpus size. Fails when any target crashes, hangs or runs out of memory; the input that did it
# is kept in .build-fuzz/findings/TARGET/ with the log (replay: .build-fuzz/debug/FuzzX FILE).
#
# Usage: deploy/fuzz.sh [--seconds N] [TARGET...]
#   TARGET: frames bodies shard table idmap model delimited (default: all), N default 60.
# Needs a cinemesh binary for the seeds: $CINEMESH_BIN, else .build/debug/cinemesh (built when
# missing). The shared data (../shared/data or $CINEMESH_SHARED_DATA) adds seeds when present.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(frames bodies shard table idmap model delimited)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
declare -A product=([frames]=FuzzFrames [bodies]=FuzzBodies [shard]=FuzzShard [table]=FuzzTable [idmap]=FuzzIdMap
                    [model]=FuzzModel [delimited]=FuzzDelimited)
for t in "${targets[@]}"; do
  [ -n "${product[$t]:-}" ] || { echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cinemesh-fuzz-XXXXXX")
# The scratch files of the targets that read a path (shard, delimited) live in memory when they
# can: rewriting a file on disk for every input made the shard target 25x slower.
scratch=$work
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch=$(mktemp -d /dev/shm/cinemesh-fuzz-XXXXXX); fi
trap 'rm -rf "$work" "$scratch"' EXIT

# `--sanitize=fuzzer` tells SwiftPM that an executable's `main` is libFuzzer's (else it points
# `main` at the target's own entry point). The sanitizers themselves go in one -Xswiftc flag:
# swiftc keeps only the last `-sanitize=` it is given, and SwiftPM's `--sanitize=fuzzer
# --sanitize=address` passes two in no fixed order, so half the builds would lose either the
# coverage instrumentation libFuzzer needs or AddressSanitizer.
build_start=$(date +%s)
for t in "${targets[@]}"; do
  if ! CINEMESH_FUZZ=1 swift build --scratch-path .build-fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
      --product "${product[$t]}" >"$work/build.log" 2>&1; then
    # The linker's notes on ASan's local symbols are noise.
    grep -v -e "Cannot export local symbol" "$work/build.log" | tail -n 40 >&2
    echo "fuzz.sh: building ${product[$t]} failed" >&2
    exit 1
  fi
  grep "Build of product" "$work/build.log" || true
done
echo "fuzz build: $(( $(date +%s) - build_start )) s"

cinemesh=${CINEMESH_BIN:-$PWD/.build/debug/cinemesh}
if [ ! -x "$cinemesh" ]; then
  swift build --product cinemesh
fi
shared=${CINEMESH_SHARED_DATA:-../shared/data}
data=()
[ -d "$shared" ] && data=(--data "$shared")
python3 deploy/fuzz-seeds.py --cinemesh "$cinemesh" --out "$work/seeds" "${data[@]}"

repo=$PWD
failed=()
summary=()
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t findings=$PWD/.build-fuzz/findings/$t
  mkdir -p "$corpus" "$findings" "$scratch/tmp-$t"
  log=$work/$t.log
  start=$(date +%s)
  status=0
  # New inputs go to the first folder; the seeds are read only. The Swift runtime's own crash
  # report is off so libFuzzer's handler writes the input; a leak report at exit is not a finding
  # (the Swift runtime keeps its metadata for the life of the process).
  (cd "$work" && SWIFT_BACKTRACE=enable=no TMPDIR=$scratch/tmp-$t ASAN_OPTIONS=detect_leaks=0 \
    "$repo/.build-fuzz/debug/${product[$t]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$work/seeds/$t") >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    cp "$log" "$findings/fuzz.log"
    echo "== $t: FAILED (exit $status) after $elapsed s; the input and the log are in $findings/"
    grep -E "ERROR|SUMMARY|Fatal error|fatal error|precondition|panic" "$log" | head -n 8 || true
    result=crash
  else
    rmdir "$findings" 2>/dev/null || true
    result=ok
  fi
  summary+=("$(printf '%-10s %8s s %12s inputs %7s corpus  %s' "$t" "$elapsed" "${execs:-?}" "${corp:-?}" "$result")")
done
echo "fuzz: $seconds s a target"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed" >&2
  exit 1
fi
