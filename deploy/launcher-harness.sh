#!/usr/bin/env bash
# `cinemesh cluster up|status|down` against boxes that are as real as one machine allows: each box
# is a container booted with systemd (systemd-nspawn on an overlay of this machine's root, so it
# has sshd, libzmq5 and systemd and nothing of CineMesh) in a network namespace of its own on a
# bridge. The launcher runs in a control namespace and reaches them with the system's ssh, as an
# operator's laptop would.
#
#   CINEMESH_PACKAGE=dist/cinemesh-0.1.0-linux-x86_64.tar.gz deploy/launcher-harness.sh
#
# What it checks, in order:
#   bad-hosts   a hosts file with an unknown key, one naming a box nobody answers at, and one whose
#               ssh user may not sudo without a password fail with the file and line, or the box
#               and the reason (nothing is touched)
#   up          three boxes (a: coordinator and gateway, b and c: workers) from nothing: package
#               copied, units started, keys made on each box and allowed, every worker registered
#   serve       a dataset made on a, an svd job across b and c, the model served by a's gateway to
#               the control box; /v1/query needs the gateway's token
#   again       `up` a second time, as a user with password-less sudo, changes nothing and
#               restarts nothing
#   add-box     box d added to the hosts file: `up` installs it, it registers, the coordinator
#               keeps running
#   dead-box    box c powered off: `status` exits 1 naming it; dropped from the hosts file, `up`
#               and `status` are healthy again
#   down        every unit stopped and disabled; `status` exits 1
#
# CINEMESH_BIN is the launcher's binary (default: the package's). Without root, network
# namespaces, overlayfs or a systemd that boots in a container, it says so and exits 0 (skipped).
# Everything it made (containers, namespaces, files) goes at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

P=cml
boxes=(a b c d)
declare -A ip=([a]=10.78.0.2 [b]=10.78.0.3 [c]=10.78.0.4 [d]=10.78.0.5 [ctl]=10.78.0.10)
package=${CINEMESH_PACKAGE:?set CINEMESH_PACKAGE to a deploy/package.sh tarball}
package=$(realpath "$package")

skip() { echo "launcher harness: skipped ($*)"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root for namespaces and containers"
ip netns add "$P-probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$P-probe"
if ! command -v systemd-nspawn >/dev/null || [ ! -x /usr/sbin/sshd ] || ! command -v sudo >/dev/null; then
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container openssh-server sudo >/dev/null 2>&1 || true
fi
command -v systemd-nspawn >/dev/null || skip "no systemd-nspawn (Debian: systemd-container)"
[ -x /usr/sbin/sshd ] || skip "no sshd for the boxes (Debian: openssh-server)"

work=$(mktemp -d "${TMPDIR:-/tmp}/cinemesh-launcher-XXXXXX")
ssh_opts=()
roots=/run/cinemesh-launcher-$$
started=$SECONDS
cleanup() {
  exec 2>/dev/null
  for box in "${boxes[@]}"; do
    [ -f "$work/$box.pid" ] || continue
    ip netns exec "$P-$box" timeout 5 ssh "${ssh_opts[@]}" "root@${ip[$box]}" poweroff >/dev/null 2>&1 || true
  done
  sleep 2
  for box in "${boxes[@]}"; do
    [ -f "$work/$box.pid" ] && kill -9 "$(cat "$work/$box.pid")" 2>/dev/null || true
  done
  sleep 1
  for box in "${boxes[@]}"; do umount -l "$roots/$box/merged" 2>/dev/null || true; done
  rm -rf "$roots"
  for ns in "${boxes[@]}" ctl sw; do ip netns del "$P-$ns" 2>/dev/null || true; done
  if [ "${CINEMESH_HARNESS_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { printf '[%5ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  say "FAIL: $*"
  for box in "${boxes[@]}"; do [ -f "$work/$box.log" ] && { echo "--- box $box console (last lines)"; tail -n 8 "$work/$box.log"; }; done
  exit 1
}

# The launcher's binary: the package's own, as an operator would run it.
tar -xzf "$package" -C "$work"
bin=${CINEMESH_BIN:-$(echo "$work"/cinemesh-*/bin/cinemesh)}
[ -x "$bin" ] || fail "no binary at $bin"

ssh-keygen -q -t ed25519 -N '' -C cinemesh-launcher-harness -f "$work/id"
cp "$work/id.pub" "$work/authorized_keys"
chmod 600 "$work/authorized_keys"
ssh_opts=(-i "$work/id" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)

# --- the network: a bridge in a namespace of its own, a veth pair per box and for the control box ---
. deploy/netns-bridge.sh
bridge_up "$P" ip "${boxes[@]}" ctl
ctl() { ip netns exec "$P-ctl" "$@"; }
on() { local box=$1; shift; ctl ssh "${ssh_opts[@]}" "root@${ip[$box]}" "$@"; }

# --- the boxes: systemd booted in a container on an overlay of this root, without CineMesh ---
boot() {
  local box=$1 root=$roots/$1
  mkdir -p "$root/upper" "$root/work" "$root/merged"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/merged" \
    || skip "cannot mount an overlay of / for the boxes"
  # A box starts without CineMesh (removing on the overlay hides this machine's files, if any).
  rm -rf "$root/merged/etc/cinemesh" "$root/merged/usr/local/bin/cinemesh" "$root/merged/var/lib/cinemesh" \
         "$root/merged/var/cache/cinemesh" "$root/merged/var/tmp/cinemesh-launch" "$root/merged"/etc/systemd/system/cinemesh-*
  echo "$box" >"$root/merged/etc/hostname"
  setsid systemd-nspawn -q -D "$root/merged" --register=no --keep-unit -M "$P-$box" --hostname="$box" \
    --uuid="$(cat /proc/sys/kernel/random/uuid)" --network-namespace-path="/run/netns/$P-$box" \
    --bind-ro="$work/authorized_keys:/root/.ssh/authorized_keys" -b systemd.firstboot=off >"$work/$box.log" 2>&1 </dev/null &
  echo $! >"$work/$box.pid"
}
wait_ssh() {
  local box=$1 deadline=$((SECONDS + 90))
  until on "$box" true 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { tail -n 20 "$work/$box.log"; skip "box $box did not boot with sshd (systemd in a container does not work here)"; }
    sleep 1
  done
  # Root gets in while the box still boots; other users only once systemd-user-sessions has
  # removed /run/nologin (pam_nologin), as on any box: wait for the end of the boot.
  on "$box" "timeout 60 systemctl is-system-running --wait >/dev/null 2>&1; test ! -e /run/nologin" \
    || fail "box $box did not finish booting within 60 s (/run/nologin is still there)"
}
for box in a b c; do boot "$box"; done
for box in a b c; do wait_ssh "$box"; done
# Two more ssh users on each box, with the same key: deploy may `sudo -n`, plain may not.
users='useradd -m -s /bin/sh deploy && useradd -m -s /bin/sh plain
for u in deploy plain; do install -d -m 700 -o $u -g $u /home/$u/.ssh; install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/; done
echo "deploy ALL=(root) NOPASSWD: ALL" > /etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy'
sudo_users=1
command -v sudo >/dev/null || sudo_users=0
if [ "$sudo_users" = 1 ]; then for box in a b c; do on "$box" "$users" || fail "cannot add the users deploy and plain on $box"; done; fi
say "boxes a, b, c booted with systemd and sshd in namespaces on 10.78.0.0/24"

hosts_file() {   # hosts_file FILE BOX...: a hosts file for these boxes (a is the coordinator's)
  local file=$1; shift
  cat >"$file" <<EOF
[cluster]
package = "$package"
register_timeout = 60

[ssh]
user = "${ssh_user:-root}"
identity = "$work/id"
options = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"]
connect_timeout = 5

[config]
heartbeat.interval_ms = 500
EOF
  for box in "$@"; do
    case $box in
      a) printf '\n[hosts.a]\naddress = "%s"\nroles = ["coordinator", "gateway"]\n' "${ip[a]}" >>"$file" ;;
      *) printf '\n[hosts.%s]\naddress = "%s"\nroles = ["worker"]\n' "$box" "${ip[$box]}" >>"$file" ;;
    esac
  done
}
cluster() { ctl "$bin" cluster "$@"; }

# --- bad-hosts ---
hosts_file "$work/bad.toml" a b
printf '\n[hosts.b.config]\nworker.slot = 2\n' >>"$work/bad.toml"
if out=$(cluster up --hosts "$work/bad.toml" 2>&1); then fail "bad-hosts: up accepted an unknown key"; fi
echo "$out" | grep -q "bad.toml:.*unknown key 'worker.slot'" || fail "bad-hosts: the error does not name the file, line and key: $out"
hosts_file "$work/nobody.toml" a b
printf '\n[hosts.z]\naddress = "10.78.0.99"\nroles = ["worker"]\n' >>"$work/nobody.toml"
if out=$(cluster up --hosts "$work/nobody.toml" 2>&1); then fail "bad-hosts: up reached a box that does not exist"; fi
echo "$out" | grep -q "box z: reach: ssh could not reach it" || fail "bad-hosts: the error does not name box z and ssh's reason: $out"
if [ "$sudo_users" = 1 ]; then
  ssh_user=plain hosts_file "$work/plain.toml" a b
  if out=$(cluster up --hosts "$work/plain.toml" 2>&1); then fail "bad-hosts: up went ahead as a user without sudo"; fi
  echo "$out" | grep -q "plain is not root and sudo -n asks for a password" || fail "bad-hosts: the error does not say sudo needs a password: $out"
fi
on a test ! -e /usr/local/bin/cinemesh || fail "bad-hosts: box a was touched although the hosts file named a box that is not there"
say "bad-hosts: an unknown key fails with its file and line; an unreachable box, or a user without sudo, fails before any box is touched"

# --- up ---
hosts_file "$work/hosts.toml" a b c
t0=$SECONDS
cluster up --hosts "$work/hosts.toml" >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "up: cinemesh cluster up failed"; }
sed 's/^/    /' "$work/up.log"
grep -q "cluster up: coordinator on a" "$work/up.log" || fail "up: no summary line"
say "up: three boxes installed, keyed, configured and started in $((SECONDS - t0)) s"
cluster status --hosts "$work/hosts.toml" >"$work/status.log" 2>&1 || { cat "$work/status.log"; fail "up: status is not healthy"; }
sed 's/^/    /' "$work/status.log"
grep -qE "^b .* worker .*registered as b" "$work/status.log" || fail "up: status does not show b registered"
on a "stat -c '%a %U' /etc/cinemesh/keys/coordinator.key_secret" | grep -qx "600 cinemesh" || fail "up: the coordinator's secret key is not 0600 cinemesh"
if on b test -e /etc/cinemesh/keys/coordinator.key_secret; then fail "up: a secret key left its box"; fi

# --- serve ---
on a runuser -u cinemesh -- cinemesh generate --ratings 200000 --users 3000 --items 1500 \
  --dataset /var/lib/cinemesh/datasets/gen --grid 2x2 >/dev/null || fail "serve: generate on a"
job=$(on a cinemesh submit --type train --dataset gen --param algo=svd --param factors=16 --param epochs=10 --param name=gen/svd \
      --config /etc/cinemesh/cluster.toml) || fail "serve: submit: $job"
deadline=$((SECONDS + 300))
while true; do
  state=$(on a cinemesh status "$job" --json --config /etc/cinemesh/cluster.toml | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = succeeded ] && break
  case $state in failed|cancelled|interrupted) fail "serve: job $job $state" ;; esac
  [ $SECONDS -lt $deadline ] || fail "serve: job $job still $state"
  sleep 1
done
tasks_b=$(on a cinemesh workers --json --config /etc/cinemesh/cluster.toml | python3 -c 'import json,sys; print({w["key"]: w["tasksDone"] for w in json.load(sys.stdin)})')
answer=""
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
  answer=$(ctl curl -sf "http://${ip[a]}:8080/v1/users/1/recommendations?n=3" 2>/dev/null || true)
  echo "$answer" | grep -q '"model_version"' && break
  sleep 1
done
echo "$answer" | grep -q '"model_version"' || fail "serve: the gateway on a did not serve the model: $answer"
code=$(ctl curl -s -o /dev/null -w '%{http_code}' -X POST "http://${ip[a]}:8080/v1/query" -d '{"sql":"SELECT count(*) FROM ratings","dataset":"gen"}')
[ "$code" = 401 ] || fail "serve: /v1/query without the token answered $code"
say "serve: svd job $job trained on the workers (tasks done: $tasks_b), served by a's gateway to the control box; /v1/query without the token: 401"

# --- again ---
since() { on "$1" systemctl show -p ActiveEnterTimestampMonotonic --value "$2"; }
before_a=$(since a cinemesh-coordinator) before_b=$(since b cinemesh-worker)
# As a user other than root this time, through sudo -n (when sudo is here).
again_user=root
[ "$sudo_users" = 1 ] && again_user=deploy
ssh_user=$again_user hosts_file "$work/again.toml" a b c
cluster up --hosts "$work/again.toml" >"$work/again.log" 2>&1 || { cat "$work/again.log"; fail "again: up as $again_user failed"; }
grep -qE ": (started|restarted)" "$work/again.log" && fail "again: up (re)started a unit with nothing changed: $(grep -E ': (started|restarted)' "$work/again.log")"
[ "$(since a cinemesh-coordinator)" = "$before_a" ] && [ "$(since b cinemesh-worker)" = "$before_b" ] || fail "again: a unit restarted"
grep -q "copied" "$work/again.log" && fail "again: the package was copied again"
say "again: up (as $again_user) with nothing changed copies nothing and restarts nothing"

# --- add-box ---
boot d
wait_ssh d
hosts_file "$work/hosts.toml" a b c d
cluster up --hosts "$work/hosts.toml" >"$work/add.log" 2>&1 || { cat "$work/add.log"; fail "add-box: up failed"; }
grep -q "registered: worker d" "$work/add.log" || fail "add-box: d did not register"
[ "$(since a cinemesh-coordinator)" = "$before_a" ] || fail "add-box: the coordinator restarted to let d in"
cluster status --hosts "$work/hosts.toml" >"$work/status.log" 2>&1 || { cat "$work/status.log"; fail "add-box: status not healthy"; }
say "add-box: d installed and registered; the coordinator read its allow-list without a restart"

# --- dead-box ---
on c poweroff >/dev/null 2>&1 || true
deadline=$((SECONDS + 60))
while kill -0 "$(cat "$work/c.pid")" 2>/dev/null; do [ $SECONDS -lt $deadline ] || fail "dead-box: c did not power off"; sleep 1; done
ip -n "$P-c" link set eth0 down   # gone from the network too: ssh gets no answer at all
if cluster status --hosts "$work/hosts.toml" >"$work/dead.log" 2>&1; then fail "dead-box: status exits 0 with box c gone"; fi
grep -q "c: unreachable" "$work/dead.log" || { cat "$work/dead.log"; fail "dead-box: status does not name c unreachable"; }
hosts_file "$work/hosts.toml" a b d
cluster up --hosts "$work/hosts.toml" >"$work/replace.log" 2>&1 || { cat "$work/replace.log"; fail "dead-box: up without c failed"; }
cluster status --hosts "$work/hosts.toml" >"$work/status.log" 2>&1 || { cat "$work/status.log"; fail "dead-box: status not healthy without c"; }
say "dead-box: status exits 1 naming c; without c in the hosts file the cluster is healthy again"

# --- down ---
cluster down --hosts "$work/hosts.toml" >"$work/down.log" 2>&1 || { cat "$work/down.log"; fail "down failed"; }
for box in a b d; do
  if on "$box" systemctl is-active --quiet cinemesh-worker cinemesh-coordinator cinemesh-gateway; then fail "down: a unit still runs on $box"; fi
done
if cluster status --hosts "$work/hosts.toml" >"$work/status.log" 2>&1; then fail "down: status exits 0 with everything stopped"; fi
on a test -s /var/lib/cinemesh/coordinator/registry.sqlite -o -d /var/lib/cinemesh/coordinator || fail "down: the coordinator's state went"
say "down: every unit stopped and disabled, state kept; status exits 1"
say "launcher harness: bad-hosts up serve again add-box dead-box down: passed"
