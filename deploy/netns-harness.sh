#!/usr/bin/env bash
# Several boxes on one machine: each "box" is a Linux network namespace with its own address on a
# bridge (iproute2, as root), and runs what a real box would: a coordinator, three workers, a
# gateway, a client, and an intruder. Every connection between them uses CURVE, with keys made on
# each box and allowed on the coordinator's, as docs/DEPLOY.md tells a newcomer to do.
#
#   deploy/netns-harness.sh [SCENARIO...]      (default: all of them, in this order)
#
# Scenarios (each trains the same svd job; each must end with a model byte-identical to the
# fault-free run's, every submitted job in the registry, and the intruders refused and logged):
#   normal       a fault-free run across the namespaces, served by the gateway to the client
#   kill-worker  kill -9 of a worker mid-job
#   link-down    a worker's link down for 10 s, then back
#   netem        200 ms of added latency and 1% loss on a worker's link (tc netem; on a kernel
#                without sch_netem, nftables' random drop and a relay that delays every byte)
#   restart      the coordinator killed (kill -9) mid-job and started again on its state
#   replace-box  a dead worker box replaced as docs/DEPLOY.md says: its key revoked, a new box's
#                key made there and allowed while the coordinator runs; the old key stays out
#   intruders    a namespace with no key or a key not on the allow-list tries to register as a
#                worker, to submit a job and to fetch a shard; a plain-TCP client against CURVE
#
# CINEMESH_BIN names the binary (default: the debug build). Without root or network namespaces the
# script says so and exits 0 (skipped); a failed scenario exits 1. Everything it made (namespaces,
# processes, files) is removed at exit; CINEMESH_HARNESS_KEEP=1 keeps the files for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bin=${CINEMESH_BIN:-$repo/.build/debug/cinemesh}
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(normal kill-worker link-down netem restart intruders replace-box)

P=cmh   # namespace prefix
boxes=(coord w1 w2 w3 w4 gw client intruder)
declare -A ip=([coord]=10.77.0.1 [w1]=10.77.0.11 [w2]=10.77.0.12 [w3]=10.77.0.13 [w4]=10.77.0.14 [gw]=10.77.0.20 [client]=10.77.0.30
               [intruder]=10.77.0.66)

if [ "$(id -u)" != 0 ]; then echo "netns harness: skipped (needs root for network namespaces)"; exit 0; fi
if ! ip netns add "$P-probe" 2>/dev/null; then echo "netns harness: skipped (cannot create network namespaces here)"; exit 0; fi
ip netns del "$P-probe"
[ -x "$bin" ] || { echo "netns harness: no binary at $bin (swift build, or set CINEMESH_BIN)" >&2; exit 1; }
# The intruder speaks ZeroMQ from Python (pyzmq, its own libzmq): an implementation that is not ours.
python3 -c 'import zmq' 2>/dev/null || python3 -m pip install --quiet pyzmq >/dev/null 2>&1 || true
python3 -c 'import zmq' 2>/dev/null || { echo "netns harness: skipped (pyzmq cannot be installed for the intruder)"; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cinemesh-netns-XXXXXX")
started=$SECONDS
cleanup() {
  exec 2>/dev/null   # not bash's "Killed" line for each process stopped here
  for f in "$work"/*/pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  for box in "${boxes[@]}" sw; do ip netns del "$P-$box" 2>/dev/null || true; done
  if [ "${CINEMESH_HARNESS_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { printf '[%5ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() { say "FAIL: $*"; for f in "$work"/*/*.log; do echo "--- $f (last lines)"; tail -n 15 "$f"; done; exit 1; }
inbox() { local box=$1; shift; ip netns exec "$P-$box" "$@"; }
cm() { local box=$1; shift; inbox "$box" env CINEMESH_CONFIG="$work/$box/cluster.toml" "$bin" "$@"; }

# --- the network: a bridge in a namespace of its own, a veth pair per box ---
. deploy/netns-bridge.sh
bridge_up "$P" ip "${boxes[@]}"
for box in "${boxes[@]}"; do mkdir -p "$work/$box"; done
say "network: ${#boxes[@]} namespaces on a bridge, 10.77.0.0/24"

# --- each box's configuration and keys, made on the box ---
common() {
  cat <<EOF
[heartbeat]
interval_ms = 500
liveness = 4
reconnect_initial_ms = 250
reconnect_max_ms = 2000

[security]
keys_dir = "$work/$1/keys"
EOF
}
{ cat <<EOF
[coordinator]
workers_endpoint = "tcp://${ip[coord]}:7700"
clients_endpoint = "tcp://${ip[coord]}:7701"
state_dir = "$work/coord/state"
datasets_dir = "$work/coord/datasets"
metrics = "${ip[coord]}:9700"
EOF
  common coord; } > "$work/coord/cluster.toml"
for w in w1 w2 w3 w4; do
  { printf '[worker]\ncoordinator = "tcp://%s:7700"\ncache_dir = "%s"\nid = "%s"\n\n' "${ip[coord]}" "$work/$w/cache" "$w"; common "$w"; } > "$work/$w/cluster.toml"
done
{ printf '[gateway]\ncoordinator = "tcp://%s:7701"\ntoken_file = "%s"\n\n' "${ip[coord]}" "$work/gw/token"; common gw; } > "$work/gw/cluster.toml"
for box in client intruder; do
  { printf '[client]\ncoordinator = "tcp://%s:7701"\ntimeout_ms = 5000\n\n' "${ip[coord]}"; common "$box"; } > "$work/$box/cluster.toml"
done
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/gw/token"; chmod 600 "$work/gw/token"

declare -A role=([coord]=coordinator [w1]=worker [w2]=worker [w3]=worker [w4]=worker [gw]=gateway [client]=client [intruder]=client)
# w4 is a box bought later: it gets its key in the replace-box scenario.
for box in coord w1 w2 w3 gw client intruder; do cm "$box" keys generate --role "${role[$box]}" --out "$work/$box/keys" --name "$box" >/dev/null; done
for box in w1 w2 w3 gw client intruder; do cp "$work/coord/keys/coordinator.key" "$work/$box/keys/"; done
# The coordinator's admin allows the boxes it knows; the intruder's key is never allowed.
for box in w1 w2 w3 gw client; do cp "$work/$box/keys/${role[$box]}.key" "$work/coord/$box.key"; cm coord keys allow "$work/coord/$box.key" >/dev/null; done
say "keys: made on each box, $(cm coord keys list | wc -l) allowed on the coordinator"

# --- processes ---
start() {   # start BOX ARGS...: a cinemesh process in BOX, its pid in BOX/pid, its log in BOX/BOX.log
  local box=$1; shift
  # A simple command in the background: $! is its pid, which ip and env exec into cinemesh (a
  # function in the background would be a subshell, and kill -9 would miss the process).
  ip netns exec "$P-$box" env CINEMESH_CONFIG="$work/$box/cluster.toml" "$bin" "$@" >> "$work/$box/$box.log" 2>&1 &
  echo $! > "$work/$box/pid"
}
stop9() { kill -9 "$(cat "$work/$1/pid")" 2>/dev/null || true; wait "$(cat "$work/$1/pid")" 2>/dev/null || true; }
alive_workers() { cm client workers 2>/dev/null | grep -cE '^ +w[0-9] ' || true; }
is_registered() { cm client workers 2>/dev/null | grep -qE "^ +$1 "; }
wait_workers() {   # wait_workers N SECONDS
  local deadline=$((SECONDS + $2))
  while [ "$(alive_workers)" -lt "$1" ]; do [ $SECONDS -lt $deadline ] || fail "$1 workers did not register within $2 s"; sleep 0.5; done
}

mkdir -p "$work/coord/datasets"
cm coord generate --ratings 1000000 --users 10000 --items 3000 --dataset "$work/coord/datasets/gen" --grid 3x3 >/dev/null
start coord coordinator
for w in w1 w2 w3; do start "$w" worker; done
wait_workers 3 30
say "cluster: coordinator on ${ip[coord]}, 3 workers registered over CURVE"

# --- the job every scenario runs, and its checks ---
# Long enough that a fault injected after epoch 3 lands mid-job with a release build (about 5 s
# in all; a debug build takes about a minute); fault() checks that it did.
epochs=${CINEMESH_HARNESS_EPOCHS:-100}
svd=(--type train --dataset gen --param algo=svd --param factors=32 --param epochs="$epochs" --param checkpoint_every=1 --param name=gen/svd)
submitted=0
job=""   # the job submit made last
submit() { job=$(cm client submit "${svd[@]}") || fail "submit: $job"; submitted=$((submitted + 1)); }
field() { cm client status "$1" --json | python3 -c "import json,sys; r=json.load(sys.stdin); print(r.get('$2') if r.get('$2') is not None else '')"; }
wait_job() {   # wait_job ID SECONDS: until it ends; fails unless it succeeded
  local deadline=$((SECONDS + $2)) state
  while true; do
    state=$(field "$1" state 2>/dev/null || echo unknown)
    case $state in succeeded) return 0 ;; failed|cancelled|interrupted) fail "job $1 $state: $(field "$1" error)" ;; esac
    [ $SECONDS -lt $deadline ] || fail "job $1 still $state after $2 s"
    sleep 0.5
  done
}
wait_epoch() {   # wait_epoch ID N: until the job has finished N epochs (its "epoch" metric is the one under way)
  local deadline=$((SECONDS + 120))
  while true; do
    local under_way
    under_way=$(cm client status "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(int(json.load(sys.stdin).get("metrics", {}).get("epoch", 0)))' 2>/dev/null || echo 0)
    [ "$under_way" -gt "$2" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "job $1 did not reach epoch $2"
    sleep 0.2
  done
}
mid_job() {   # mid_job ID SCENARIO: the fault about to be injected finds the job still running
  local state; state=$(field "$1" state)
  [ "$state" = running ] || fail "$2: job $1 was $state before the fault, not running: raise CINEMESH_HARNESS_EPOCHS"
}
model_sum() {   # the XXH64 the registry recorded for the model job ID published
  cm client status "$1" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); t=json.loads(r["result"]); print(t.get("modelXXH64") or t.get("model_xxh64"))'
}
check_same() {   # check_same ID SCENARIO
  local sum; sum=$(model_sum "$1")
  [ "$sum" = "$reference" ] || fail "$2: job $1's model $sum differs from the fault-free run's $reference"
  local listed; listed=$(cm client jobs --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$listed" -ge "$submitted" ] || fail "$2: the registry lists $listed jobs, $submitted were submitted"
  say "$2: job $1 succeeded, model $sum byte-identical to the fault-free run, $listed jobs in the registry"
}

reference=""
run_normal() {
  submit; local id=$job; wait_job "$id" 300
  reference=$(model_sum "$id")
  say "normal: job $id succeeded across the namespaces, model $reference"
  start gw gateway --models "$work/gw/models" --host "${ip[gw]}" --port 8080
  local deadline=$((SECONDS + 30)) answer=""
  while [ $SECONDS -lt $deadline ]; do
    answer=$(inbox client curl -sf "http://${ip[gw]}:8080/v1/users/1/recommendations?n=3" 2>/dev/null || true)
    [ -n "$answer" ] && break; sleep 0.5
  done
  echo "$answer" | grep -q '"model_version"' || fail "normal: the gateway did not serve the model to the client box: $answer"
  local q; q=$(inbox client curl -s -o /dev/null -w '%{http_code}' -X POST "http://${ip[gw]}:8080/v1/query" -d '{"sql":"SELECT count(*) FROM ratings","dataset":"gen"}')
  [ "$q" = 401 ] || fail "normal: /v1/query without the token answered $q, not 401"
  local rows; rows=$(inbox client curl -s -X POST -H "Authorization: Bearer $(cat "$work/gw/token")" "http://${ip[gw]}:8080/v1/query" \
    -d '{"sql":"SELECT count(*) AS n FROM ratings","dataset":"gen"}')
  echo "$rows" | grep -q "1000000" || fail "normal: the query through the gateway answered $rows"
  say "normal: the gateway on ${ip[gw]} serves it to the client box (recommendations; /v1/query 401 without the token, 1000000 ratings with it)"
}

run_kill_worker() {
  submit; local id=$job; wait_epoch "$id" 3
  mid_job "$id" kill-worker
  stop9 w2
  say "kill-worker: worker w2 killed with SIGKILL during job $id"
  wait_job "$id" 300
  check_same "$id" kill-worker
  start w2 worker; wait_workers 3 30
}

run_link_down() {
  submit; local id=$job; wait_epoch "$id" 3
  mid_job "$id" link-down
  ip -n "$P-sw" link set v-w3 down
  say "link-down: w3's link down during job $id"
  sleep 10
  ip -n "$P-sw" link set v-w3 up
  say "link-down: w3's link up again after 10 s"
  wait_job "$id" 300
  check_same "$id" link-down
  wait_workers 3 60
}

run_netem() {
  local how=netem
  if ! inbox w1 tc qdisc add dev eth0 root netem delay 200ms loss 1% 2>/dev/null; then
    # A kernel without sch_netem (this VM's): 1% of w1's packets dropped each way by nftables, and
    # w1 reconnected through a relay in its namespace that holds every byte 200 ms each way.
    command -v nft >/dev/null || apt-get install -y nftables >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y nftables >/dev/null 2>&1; } || true
    command -v nft >/dev/null || fail "netem: no sch_netem in this kernel and no nft to drop packets with"
    how="no sch_netem in this kernel: nftables drops 1% each way, a relay holds every byte 200 ms each way"
    inbox w1 nft -f - <<'NFT'
table inet lossy {
  chain in { type filter hook input priority 0; numgen random mod 100 < 1 drop; }
  chain out { type filter hook output priority 0; numgen random mod 100 < 1 drop; }
}
NFT
    mkdir -p "$work/relay"
    ip netns exec "$P-w1" python3 "$repo/deploy/netns-delay.py" --listen 127.0.0.1:7700 --to "${ip[coord]}:7700" --delay-ms 200 \
      >> "$work/relay/relay.log" 2>&1 &
    echo $! > "$work/relay/pid"
    stop9 w1
    start w1 worker --set worker.coordinator=tcp://127.0.0.1:7700
    wait_workers 3 60
  fi
  say "netem: 200 ms delay and 1% loss on w1's link ($how)"
  submit; local id=$job
  wait_job "$id" 600
  if [ "$how" = netem ]; then
    inbox w1 tc qdisc del dev eth0 root
  else
    inbox w1 nft delete table inet lossy
    stop9 w1; stop9 relay
    start w1 worker; wait_workers 3 60
  fi
  check_same "$id" netem
}

run_restart() {
  submit; local id=$job; wait_epoch "$id" 4
  mid_job "$id" restart
  stop9 coord
  say "restart: the coordinator killed with SIGKILL during job $id"
  start coord coordinator
  wait_workers 3 60
  say "restart: the coordinator is back on its state, the workers reconnected on their own"
  wait_job "$id" 300
  local how; how=$(grep "job taken up again" "$work/coord/coord.log" | grep -o 'how=resumed from its checkpoint after [a-z]* [0-9]* of [0-9]*' | tail -1 || true)
  [ -n "$how" ] || fail "restart: job $id was not resumed from a checkpoint: $(grep 'taken up again' "$work/coord/coord.log" | tail -1)"
  say "restart: job $id ${how#how=}"
  check_same "$id" restart
}

run_replace_box() {
  # w3's box dies for good. The admin revokes its key (a thief of its disk gets nothing) ...
  stop9 w3
  cm coord keys revoke w3 >/dev/null
  # ... and sets up the new box w4 as docs/DEPLOY.md says: a key made there, the coordinator's
  # public key copied to it, its public key allowed on the coordinator, which reads the list again
  # without a restart.
  cm w4 keys generate --role worker --out "$work/w4/keys" --name w4 >/dev/null
  cp "$work/coord/keys/coordinator.key" "$work/w4/keys/"
  cp "$work/w4/keys/worker.key" "$work/coord/w4.key"
  cm coord keys allow "$work/coord/w4.key" >/dev/null
  start w4 worker
  local deadline=$((SECONDS + 30))
  until is_registered w4; do [ $SECONDS -lt $deadline ] || fail "replace-box: the new box w4 did not register"; sleep 0.5; done
  # The old box, started again with its revoked key, stays out.
  start w3 worker
  sleep 3
  ! is_registered w3 || fail "replace-box: w3 registered with a revoked key"
  grep -q "the key was refused" "$work/w3/w3.log" || fail "replace-box: w3 was not told its key is refused"
  stop9 w3
  say "replace-box: w3 revoked and refused, the new box w4 allowed and registered without a coordinator restart"
  submit; local id=$job; wait_job "$id" 300
  check_same "$id" replace-box
}

run_intruders() {
  local before; before=$(alive_workers)
  # A worker with a key of its own that nobody allowed.
  cm intruder keys generate --role worker --out "$work/intruder/worker-keys" --name intruder >/dev/null
  cp "$work/coord/keys/coordinator.key" "$work/intruder/worker-keys/"
  start intruder worker --set worker.coordinator="tcp://${ip[coord]}:7700" --set security.keys_dir="$work/intruder/worker-keys" --set worker.cache_dir="$work/intruder/cache" --set worker.id=intruder
  sleep 4
  [ "$(alive_workers)" = "$before" ] || fail "intruders: a worker with a key not on the allow-list registered"
  grep -q "the key was refused" "$work/intruder/intruder.log" || fail "intruders: the refused worker was not told why"
  stop9 intruder
  # A client with a key not on the allow-list.
  local out; out=$(cm intruder submit "${svd[@]}" 2>&1 || true)
  echo "$out" | grep -q "refused the connection: the key was refused" || fail "intruders: the unknown client was not refused: $out"
  # No key, a key not allowed, and raw garbage, from another ZeroMQ: register, submit, fetch a shard.
  local shard; shard=$(python3 - "$work/coord/datasets/gen" <<'EOF'
import json, sys
print(json.load(open(sys.argv[1] + "/manifest.json"))["blocks"][0]["xxh64"])
EOF
)
  inbox intruder python3 "$repo/deploy/netns-intruder.py" --coordinator "${ip[coord]}" --server-key "$work/coord/keys/coordinator.key" --shard "$shard" \
    || fail "intruders: the coordinator answered an intruder"
  sleep 1
  local log="$work/coord/coord.log" fingerprint
  fingerprint=$(grep -o 'public_key = "[^"]*"' "$work/intruder/keys/client.key" | cut -d'"' -f2 | cut -c1-12)
  grep -F "peer=${ip[intruder]} reason=key $fingerprint is not on the allow-list" "$log" >/dev/null || fail "intruders: the refused client key $fingerprint is not in the coordinator's log"
  local refused; refused=$(inbox client curl -s "http://${ip[coord]}:9700/metrics" | awk '/^cinemesh_peers_refused_total/ { n += $2 } END { print n + 0 }')
  [ "$refused" -gt 0 ] || fail "intruders: cinemesh_peers_refused_total is $refused"
  say "intruders: unknown worker, unknown client, plain TCP, unallowed CURVE key and garbage all refused; $refused refusals counted, $(grep -c 'refused' "$log") log lines"
  # The cluster still works for the boxes it knows.
  submit; local id=$job; wait_job "$id" 300; check_same "$id" intruders
}

for s in "${scenarios[@]}"; do
  case $s in
    normal) run_normal ;;
    kill-worker) [ -n "$reference" ] || run_normal; run_kill_worker ;;
    link-down) [ -n "$reference" ] || run_normal; run_link_down ;;
    netem) [ -n "$reference" ] || run_normal; run_netem ;;
    restart) [ -n "$reference" ] || run_normal; run_restart ;;
    replace-box) [ -n "$reference" ] || run_normal; run_replace_box ;;
    intruders) [ -n "$reference" ] || run_normal; run_intruders ;;
    *) echo "unknown scenario $s (normal kill-worker link-down netem restart replace-box intruders)" >&2; exit 64 ;;
  esac
done
say "netns harness: ${scenarios[*]}: passed"
