# Sourced by the harnesses (deploy/netns-harness.sh, deploy/launcher-harness.sh): boxes as network
# namespaces on one bridge.
#
#   bridge_up PREFIX ADDRESSES NAME...
#
# makes namespace PREFIX-sw holding bridge br0 and, for each NAME, namespace PREFIX-NAME with
# eth0 (a veth pair into the bridge) at the address the associative array named ADDRESSES gives
# NAME, /24, and lo up. Namespaces of these names left by an earlier run are removed first.
bridge_up() {
  local P=$1 addresses=$2; shift 2
  local -n address_of=$addresses
  local ns
  for ns in "$@" sw; do ip netns del "$P-$ns" 2>/dev/null || true; done
  ip netns add "$P-sw"
  ip -n "$P-sw" link add br0 type bridge
  ip -n "$P-sw" link set br0 up
  for ns in "$@"; do
    ip netns add "$P-$ns"
    ip -n "$P-sw" link add "v-$ns" type veth peer name eth0 netns "$P-$ns"
    ip -n "$P-sw" link set "v-$ns" master br0 up
    ip -n "$P-$ns" addr add "${address_of[$ns]}/24" dev eth0
    ip -n "$P-$ns" link set eth0 up
    ip -n "$P-$ns" link set lo up
  done
}
