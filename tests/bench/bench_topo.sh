# shellcheck shell=bash disable=SC2034 # variables here are read by the sourcing script
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The layouts of the VM-to-VM benchmark (tests/bench/vm2vm.sh, profile.sh) on the topology library
# of the e2e suite (tests/lib/topo.sh): two hosts, one VM each, a copy per configuration, all built
# up front and left idle while another one runs:
#
#             switch CONF-sw: bridge br0 (ports CONF-h1 CONF-h2)
#        ___________________|___________________
#       |                                       |
#   CONF-h1: ul 192.0.2.1/24                CONF-h2: ul 192.0.2.2/24   underlay, MTU $BT_UL_MTU
#     vm-CONF-v1 -- CONF-v1: eth0             vm-CONF-v2 -- CONF-v2: eth0
#
#   tc, xdp  nvgre-xdp, vsid 5001; VMs 10.0.0.1 and .2/24, MTU = underlay - 42, ports
#            delivering in TC or in XDP
#   routed   as tc, but VM 2 in a second subnet of the same RDID (vsid 5002, 10.0.1.2/24): every
#            packet goes through the distributed router (each VM's default route is its gateway)
#   tcrx     tc attached with xdp-mode none: no XDP program on the underlay, nv_wire_tc validates
#            and decapsulates alone, after GRO (what XDP on a veth costs: see profile.sh)
#   vxlan    kernel VXLAN (VNI 5001, dstport 4789, no learning, static FDB entries plus an
#            all-zeros flood entry to the peer PA) in a bridge with the VM's port on each
#            host; VMs 10.0.0.1 and .2/24, MTU = underlay - 50
#   route    no overlay: VM 1 10.1.1.2/24 behind h1 (10.1.1.1), VM 2 10.1.2.2/24 behind h2,
#            the hosts route to each other over the underlay; VM MTU = underlay MTU
#
# Every configuration gets the same underlay and VM NICs: tx off, GRO on the hosts' ul, NAPI on
# the switch ports, a pfifo qdisc on every underlay veth end (topo.sh says why, as measured
# here). BT_SW=gro|off and BT_HOST_GRO=off give the other settings for comparison, BT_UL_MTU
# another MTU. Names carry the run's id (BT_ID when set): namespaces
# nvgre-bench-ID-CONF-{sw,h1,h2,v1,v2}, pin directories /sys/fs/bpf/nvgre-bench-ID-CONF-HOST,
# all removed by the cleanup of netns.sh (EXIT, INT, TERM); TMP kept when BENCH_KEEP=1.
# Needs: NVCTL (path to nvctl).

# shellcheck source=tests/lib/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/topo.sh"

BT_UL_MTU=${BT_UL_MTU:-1500}
BT_SW=${BT_SW:-napi}
BT_HOST_GRO=${BT_HOST_GRO:-on}
TOPO_UL_MTU=$BT_UL_MTU
TOPO_SW_RX=$BT_SW
TOPO_HOST_GRO=$BT_HOST_GRO
TOPO_UL_QDISC="pfifo limit 1000"
# VMs 10.0.0.1 and .2: the gateway is .254 (the route configuration's VMs use no subnet).
topo_tenant T 5001 1 10.0.0.0/24 10.0.0.254
topo_tenant T2 5002 1 10.0.1.0/24 10.0.1.254 # the routed configuration's VM 2

bt_log() { topo_log "$@"; }

# bt_prepare: the run's names and trap, the checks, TMP, a private copy of nvctl.
bt_prepare() {
	netns_init nvgre-bench "${BT_ID:-}"
	NETNS_KEEP=${BENCH_KEEP:-0}
	topo_prepare bridge ss iperf3 ping timeout
}

# bt_layout CONF: the two hosts and two VMs of one configuration, with its MTU and addresses.
bt_layout() {
	local c=$1 mtu n ca t
	case "$c" in
	tc | xdp | tcrx | routed) mtu=$((BT_UL_MTU - 42)) ;;
	vxlan) mtu=$((BT_UL_MTU - 50)) ;;
	route) mtu=$BT_UL_MTU ;;
	*) die "unknown configuration $c" ;;
	esac
	topo_switch "$c-sw"
	for n in 1 2; do
		topo_host "$c-h$n" "$c-sw" "192.0.2.$n"
		ca="" t=T
		[ "$c" != route ] || ca="10.1.$n.2"
		[ "$c" != routed ] || [ "$n" != 2 ] || t=T2
		topo_vm "$c-v$n" "$t" "$c-h$n" "$n" "$mtu" ${ca:+"$ca"}
	done
}

bt_in() { # CONF NODE CMD...
	local node="$1-$2"
	shift 2
	in_ns "$node" "$@"
}
# The VM-side address a client in v1 talks to.
bt_dst() { vm_ca "$1-v2"; }
bt_peer() { echo "${1%?}$((3 - ${1##*-h}))"; } # CONF-h1 <-> CONF-h2

bt_conf_vxlan() {
	local c=$1 h peer ns mtu=$((BT_UL_MTU - 50))
	for h in $(topo_hosts "$c-sw"); do
		peer=$(bt_peer "$h")
		ns=$(topo_ns "$h")
		ip -n "$ns" link add vx0 mtu "$mtu" type vxlan id "${TOPO_VSID[T]}" local "${TOPO_PA[$h]}" \
			dev ul dstport 4789 nolearning || die "$h: vxlan device"
		# Flooding (ARP) to the peer PA, and the peer VM's MAC pinned to it.
		bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vx0 dst "${TOPO_PA[$peer]}" || die "$h: fdb"
		bridge -n "$ns" fdb add "$(vm_mac "$(host_vms "$peer")")" dev vx0 dst "${TOPO_PA[$peer]}" \
			self permanent || die "$h: fdb"
		ip -n "$ns" link add br0 mtu "$mtu" type bridge
		ip -n "$ns" link set "$(vm_port "$(host_vms "$h")")" master br0
		ip -n "$ns" link set vx0 master br0
		ip -n "$ns" link set vx0 up
		ip -n "$ns" link set br0 up
	done
}

bt_conf_route() {
	local c=$1 h n m vm
	for h in $(topo_hosts "$c-sw"); do
		vm=$(host_vms "$h")
		n=${h##*-h}
		m=$((3 - n)) # the peer's number
		ip -n "$(topo_ns "$vm")" route add default via "10.1.$n.1"
		ip -n "$(topo_ns "$h")" addr add "10.1.$n.1/24" dev "$(vm_port "$vm")"
		ip -n "$(topo_ns "$h")" route add "10.1.$m.0/24" via "${TOPO_PA[$(bt_peer "$h")]}"
		ns_sysctl "$h" net/ipv4/ip_forward 1
	done
}

# bt_up CONF: build one configuration (tc, xdp, tcrx, routed, vxlan or route).
bt_up() {
	local c=$1
	bt_layout "$c"
	topo_build "$c-sw"
	case "$c" in
	tc | xdp) topo_configure "$c-sw" "$c" ;;
	tcrx) topo_configure "$c-sw" tc none ;;
	routed)
		topo_configure "$c-sw" tc
		topo_vm_default_route "$c-v1"
		topo_vm_default_route "$c-v2"
		;;
	vxlan) bt_conf_vxlan "$c" ;;
	route) bt_conf_route "$c" ;;
	esac
}

# bt_iperf_start CONF METRIC SECS JSON: an iperf3 server on VM 2 (once it listens) and a client on
# VM 1 for METRIC (tcp1, tcp4, udp64), both in the background, the client's JSON into JSON (topo.sh:
# iperf_serve, iperf_client). Not to be called in a subshell: the pids are the cleanup's.
# bt_iperf_reap waits for the client, ends the server.
bt_iperf_start() {
	local c=$1 m=$2 secs=$3 json=$4 args
	case "$m" in
	tcp1) args=(-P 1) ;;
	tcp4) args=(-P 4) ;;
	udp64) args=(-u -l 64 -b 0) ;;
	*) die "unknown metric $m" ;;
	esac
	iperf_serve "$c-v2"
	iperf_client "$c-v1" "$c-v2" "$secs" "$json" "${args[@]}"
}
bt_iperf_reap() { iperf_reap; }
