#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The gateway's NAT (issue 14, DESIGN section 8) beside the kernel's own nftables masquerade +
# conntrack, on the same topology, in the same run. One copy of the topology per configuration,
# all built up front (tests/bench/bench_topo.sh's settings and tests/lib/topo.sh), left idle
# while another one runs:
#
#   CONF-v1 (VM, 10.1.1.11) -- CONF-h1 (tenant host, PA 192.0.2.1) == switch CONF-sw ==
#       CONF-gw (gateway host, PA 192.0.2.3) -- ext 203.0.113.1/24 -- CONF-inet (203.0.113.100)
#
#   nvgre-nat         nvgre-xdp on h1 and gw (dp attach with the default xdp-mode, auto, which on
#                     these veth underlays leaves XDP out; gw with ct-max $CT_MAX), set up as
#                     tests/e2e/gateway.sh does it: on both hosts the leg's record (10.1.1.254),
#                     the routing domain's wildcard record and the route 0.0.0.0/0 via the leg;
#                     on gw the NAT-mode leg on ext and nat add external 203.0.113.10. The VM's
#                     default route is its subnet's gateway 10.1.1.1 (h1's distributed router);
#                     VM MTU 1458 (underlay - 42).
#   nvgre-nat-xdp     the same, dp attach xdp-mode native on both hosts: XDP on the veth underlay
#                     too (README, "What bounds it": XDP on a veth copies every frame).
#   kernel-nat        the same namespaces and veths, no BPF; the kernel's own tunnel: a gretap
#                     device on each host (GRE key = VSID << 8, protocol TEB, the PAs as local
#                     and remote: NVGRE's header; MTU underlay - 42) when the kernel has GRE,
#                     else (CONFIG_NET_IPGRE unset, as on the machine of README's figures) VXLAN
#                     (VNI = VSID, no learning, the peer's MAC pinned, as vm2vm.sh's vxlan; MTU
#                     underlay - 50); BENCH_KNAT_TUNNEL=gretap|vxlan chooses. h1 bridges it with
#                     the VM's port (bridge-nf-call-* off: no IPv4 hooks on bridged frames): the
#                     VM's Ethernet reaches the gateway as with NVGRE, and a bridge is the
#                     cheapest thing the kernel does there (routing on h1 would add a route
#                     lookup and a neighbour, what nvgre-xdp's distributed router does in BPF);
#                     the VM's default route is the gateway's 10.1.1.254 itself. gw has
#                     10.1.1.254/24 on its tunnel device, ip_forward on, and nftables
#                     `masquerade` on ext's postrouting, nothing else (conntrack follows; the
#                     server sees 203.0.113.1). BENCH_KNAT_NOTRACK=1 adds `notrack` of the
#                     tunnel's outer packets (tracked by default, as a plain masquerade setup
#                     has it; with VXLAN every inner connection is an outer UDP one each way).
#   kernel-route-nat  no tunnel: the VM (MTU = underlay) routes via h1 (10.1.1.1), h1 via gw's PA,
#                     gw routes back to 10.1.1.0/24 via h1, and the same nftables masquerade: a
#                     lower bound of the kernel's cost.
#   direct            the client and the server on one veth, no NAT, no forwarding: the ceiling
#                     of the tools (iperf3, connrate) on this machine.
#
# The external link (gw's ext, inet's eth0; direct's veth) gets what the underlay gets
# (bench_topo.sh, topo.sh: tx off, GRO per BT_HOST_GRO, the pfifo qdisc). Metrics, at the
# receiver where the tool can: tcp1, tcp4: iperf3 TCP VM -> server, 1 and 4 streams, Gbit/s
# received; udp64: iperf3 UDP 64-byte payloads, unlimited rate, kpps received; conn: new TCP
# connections per second through the NAT (build/tests/connrate from tests/bench/connrate.c:
# BENCH_CONN_WORKERS threads in the VM with BENCH_CONN_INFLIGHT connections in flight each, every
# one connect, the server's byte and FIN, close; the server in inet accepts, writes a byte,
# closes), counted by the client when the server's FIN arrives.
# Tables cannot fill during conn: the VM's ports are 1024-65535 (64,512 tuples to the one server
# port, reused as the kernel cycles through them; both NATs keep the source port and reopen a
# closing connection on a new SYN), nvgre-nat's table holds $CT_MAX connections and is flushed
# (nat conn flush) before each conn run, its timeouts the defaults (tcp-fin 10 s); the kernel's
# nf_conntrack_max (one limit, counted per namespace) must be at least $CT_MAX, else the bench
# raises it for the run and puts it back. Both fills are logged after each conn run.
#
# The configurations run interleaved, round by round, each metric in turn. Prints min/median/max
# per configuration and metric, the ratios of medians to kernel-nat and to kernel-route-nat, and
# a summary with issue 14's target (nvgre-xdp >= 1.3x kernel-nat on udp64 and conn: a report,
# PASS/MISS decides nothing); writes $BENCH_OUT/gateway.csv (every run) and gateway.json (the
# summary). Drops counted by nvgre-xdp during a run are logged. Asserts nothing about speed: exits
# non-zero only when a configuration passes no traffic at all (or the setup fails).
#
# Two CPU layouts, each configuration and metric in both (BENCH_LAYOUTS, "shared split"):
#   shared  nothing steered: the whole chain (the VM's client, h1, the switch, gw, inet) runs in
#           the softirq of the CPU that sends, so a run measures the sum of every stage's cost,
#           the gateway's a part of it.
#   split   the gateway's way out on a CPU of its own, closer to a gateway that is a machine of
#           its own: RPS sends what gw's underlay receives to CPU 0 (where the way out to the
#           server and the server's socket then run), the VM's client is pinned to the last CPU
#           (with the tenant host and the switch, in the sender's softirq), so a run measures
#           the slower of the two halves. Set before each split run and undone after it. (With
#           2 CPUs no layout gives the gateway a CPU alone: steering the rest away from CPU 0 as
#           well leaves the client, the server and both hosts on one CPU, which then bounds
#           every configuration alike.)
# Ratios compare configurations of the same layout.
#
# Environment: BENCH_ROUNDS (3), BENCH_SECS (3, seconds per run), BENCH_CONFS ("nvgre-nat
# nvgre-nat-xdp kernel-nat kernel-route-nat"; direct always runs), BENCH_METRICS ("tcp1 tcp4
# udp64 conn"), BENCH_LAYOUTS ("shared split"), BENCH_OUT (build/bench), NVCTL (build/nvctl), CONNRATE (build/tests/connrate),
# BENCH_CONN_WORKERS (2), BENCH_CONN_INFLIGHT (64), BENCH_KNAT_TUNNEL (auto), BENCH_KNAT_NOTRACK
# (0), BT_UL_MTU, BT_SW, BT_HOST_GRO (bench_topo.sh), BENCH_KEEP=1 (keep TMP). Needs root and nft;
# about 7 minutes with the defaults.

set -u
cd "$(dirname "$0")/../.." || exit 1

NVCTL=${NVCTL:-build/nvctl}
NVCTL=$(realpath "$NVCTL")
CONNRATE=${CONNRATE:-build/tests/connrate}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-3}
CONFS=${BENCH_CONFS:-nvgre-nat nvgre-nat-xdp kernel-nat kernel-route-nat}
# Each configuration once; direct always runs, last.
CONFS=$(tr ' ' '\n' <<<"$CONFS" | grep -vx 'direct' | awk 'NF && !seen[$0]++' | xargs)
METRICS=${BENCH_METRICS:-tcp1 tcp4 udp64 conn}
LAYOUTS=${BENCH_LAYOUTS:-shared split}
NCPU=$(nproc)
PIN=() # run_one: the client's CPU pinning in the split layout
OUT=${BENCH_OUT:-build/bench}
CONN_WORKERS=${BENCH_CONN_WORKERS:-2}
CONN_INFLIGHT=${BENCH_CONN_INFLIGHT:-64}
PY=/usr/bin/python3
STATS=tests/e2e/nv_stats.py

CT_MAX=262144
VSID=5001
RDID=1
LEG_CA=10.1.1.254
LEG_MAC=02:4e:56:ff:00:01
GW_PA=192.0.2.3
SERVER=203.0.113.100
EXT_ADDR=203.0.113.10
CONN_PORT=7000

# shellcheck source=tests/bench/bench_topo.sh
. tests/bench/bench_topo.sh

topo_tenant G "$VSID" "$RDID" 10.1.1.0/24 # the subnet's gateway: nvctl's default, 10.1.1.1
# Each configuration's nodes are named N-sw, N-h1, N-gw, N-v1, N-inet (a device name, vm-N-v1,
# must fit in 15 characters).
declare -A N=([nvgre-nat]=nv [nvgre-nat-xdp]=nvx [kernel-nat]=kn [kernel-route-nat]=kr
	[direct]=direct)

for m in $METRICS; do
	case "$m" in tcp1 | tcp4 | udp64 | conn) ;; *) die "unknown metric $m" ;; esac
done
for l in $LAYOUTS; do
	case "$l" in shared | split) ;; *) die "unknown layout $l" ;; esac
done
case " $LAYOUTS " in
*" split "*) [ "$NCPU" -ge 2 ] || die "the split layout needs 2 CPUs (BENCH_LAYOUTS=shared)" ;;
esac
bt_prepare
need_tools nft
need_built "$CONNRATE"
CONNRATE=$(own_copy "$CONNRATE")
mkdir -p "$OUT" || die "mkdir $OUT"

# ---- topology -------------------------------------------------------------------------------
# ext_link C: gw's ext 203.0.113.1/24 -- inet's eth0 203.0.113.100/24, the underlay's settings.
ext_link() {
	local c=$1 gwns inetns node dev
	gwns=$(ns_name "${N[$c]}-gw")
	ns_add "${N[$c]}-inet"
	inetns=$(ns_name "${N[$c]}-inet")
	ip -n "$gwns" link add ext type veth peer name eth0 netns "$inetns" || die "$c: ext veth"
	ip -n "$gwns" addr add 203.0.113.1/24 dev ext
	ip -n "$inetns" addr add "$SERVER/24" dev eth0
	for node in gw inet; do
		dev=ext
		[ "$node" = gw ] || dev=eth0
		link_settings "${N[$c]}-$node" "$dev"
	done
}

# link_settings NODE DEV: tx off, GRO as the hosts' underlay, the underlay's qdisc; up.
link_settings() {
	in_ns "$1" ethtool -K "$2" tx off >/dev/null || die "ethtool -K $2 tx off on $1"
	in_ns "$1" ethtool -K "$2" gro "$BT_HOST_GRO" >/dev/null || die "ethtool -K $2 gro on $1"
	# shellcheck disable=SC2086 # the qdisc and its parameters, one word each
	in_ns "$1" tc qdisc replace dev "$2" root $TOPO_UL_QDISC || die "qdisc on $2 on $1"
	ip -n "$(ns_name "$1")" link set "$2" up
}

# nft_masquerade C [MATCH]: nftables masquerade of everything leaving gw's ext (conntrack
# follows); with MATCH (an nft expression: the tunnel's outer packets), those are not tracked.
nft_masquerade() {
	local raw=""
	[ -z "${2:-}" ] || raw="table ip raw {
	chain prerouting { type filter hook prerouting priority raw; policy accept; $2 notrack; }
	chain output { type filter hook output priority raw; policy accept; $2 notrack; }
}"
	in_ns "${N[$1]}-gw" nft -f - <<-EOF || die "$1: nft"
		$raw
		table ip nat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "ext" masquerade
			}
		}
	EOF
}

conf_nvgre() {
	local c=$1 h mode=${2:-}
	topo_configure "${N[$c]}-sw" tc ${mode:+"$mode"}
	topo_vm_default_route "${N[$c]}-v1"
	for h in "${N[$c]}-h1" "${N[$c]}-gw"; do
		nvctl_on "$h" record add vsid "$VSID" ca "$LEG_CA" mac "$LEG_MAC" pa "$GW_PA" ||
			die "$h: record of the leg"
		nvctl_on "$h" record add vsid "$VSID" ca 0.0.0.0 mac "$LEG_MAC" pa "$GW_PA" ||
			die "$h: wildcard record"
		nvctl_on "$h" route add rdid "$RDID" prefix 0.0.0.0/0 nexthop "$LEG_CA" ||
			die "$h: default route"
	done
	nvctl_on "${N[$c]}-gw" gateway add rdid "$RDID" vsid "$VSID" ca "$LEG_CA" mac "$LEG_MAC" dev ext \
		mode nat || die "$c: gateway add"
	nvctl_on "${N[$c]}-gw" nat add rdid "$RDID" external "$EXT_ADDR" || die "$c: nat add"
}

# knat_tunnel: KNAT_TUNNEL, the kernel-nat configuration's tunnel: gretap (NVGRE's framing) when
# the kernel has GRE, else VXLAN (the kernel's other L2 tunnel), unless BENCH_KNAT_TUNNEL says.
knat_tunnel() {
	KNAT_TUNNEL=${BENCH_KNAT_TUNNEL:-auto}
	case "$KNAT_TUNNEL" in
	gretap | vxlan) ;;
	auto)
		ns_add probe # removed by the cleanup
		KNAT_TUNNEL=vxlan
		if ip -n "$(ns_name probe)" link add gt0 type gretap local 192.0.2.1 remote "$GW_PA" \
			key 1 2>/dev/null; then
			KNAT_TUNNEL=gretap
		fi
		;;
	*) die "BENCH_KNAT_TUNNEL: gretap, vxlan or auto" ;;
	esac
}

# knat_tunnel_dev C HOST PEER_PA: the kernel's tunnel device tun0 on HOST of configuration C to
# PEER_PA. gretap: key VSID << 8 (NVGRE's VSID and a flow id of 0), protocol TEB, no checksum or
# sequence number: the NVGRE header. VXLAN: VNI VSID, port 4789, no learning, a flood entry to
# the peer and the peer's MAC pinned to it (as bench_topo.sh's vxlan configuration).
knat_tunnel_dev() {
	local c=$1 h=$2 peer=$3 peer_mac=$4 ns mtu=$((BT_UL_MTU - KNAT_OVERHEAD))
	ns=$(ns_name "${N[$c]}-$h")
	if [ "$KNAT_TUNNEL" = gretap ]; then
		ip -n "$ns" link add tun0 mtu "$mtu" type gretap local "${TOPO_PA[${N[$c]}-$h]}" \
			remote "$peer" key $((VSID << 8)) || die "$c: gretap on $h"
	else
		ip -n "$ns" link add tun0 mtu "$mtu" type vxlan id "$VSID" \
			local "${TOPO_PA[${N[$c]}-$h]}" dev ul dstport 4789 nolearning || die "$c: vxlan on $h"
		bridge -n "$ns" fdb append 00:00:00:00:00:00 dev tun0 dst "$peer" || die "$c: fdb on $h"
		bridge -n "$ns" fdb add "$peer_mac" dev tun0 dst "$peer" self permanent ||
			die "$c: fdb on $h"
	fi
}

conf_kernel_nat() {
	local c=$1 mtu=$((BT_UL_MTU - KNAT_OVERHEAD)) h1 gw
	h1=$(ns_name "${N[$c]}-h1")
	gw=$(ns_name "${N[$c]}-gw")
	knat_tunnel_dev "$c" h1 "$GW_PA" "$LEG_MAC"
	# A bridge only: with br_netfilter in the kernel, bridged frames would also go through the
	# IPv4 hooks (br_nf_pre_routing, ...: 1.2% of the CPU in a conn run here), which no NAT on
	# the tenant host needs (topo.sh turns them off on its switches for the same reason).
	if in_ns "${N[$c]}-h1" test -d /proc/sys/net/bridge; then
		for k in iptables ip6tables arptables; do
			ns_sysctl "${N[$c]}-h1" "net/bridge/bridge-nf-call-$k" 0
		done
	fi
	ip -n "$h1" link add br0 mtu "$mtu" type bridge || die "$c: bridge on h1"
	ip -n "$h1" link set "$(vm_port "${N[$c]}-v1")" master br0
	ip -n "$h1" link set tun0 master br0
	ip -n "$h1" link set tun0 up
	ip -n "$h1" link set br0 up
	knat_tunnel_dev "$c" gw 192.0.2.1 "$(vm_mac "${N[$c]}-v1")"
	ip -n "$gw" link set tun0 address "$LEG_MAC"
	ip -n "$gw" addr add "$LEG_CA/24" dev tun0
	ip -n "$gw" link set tun0 up
	ns_sysctl "${N[$c]}-gw" net/ipv4/ip_forward 1
	ip -n "$(ns_name "${N[$c]}-v1")" route add default via "$LEG_CA" dev eth0 || die "$c: VM route"
	if [ "${BENCH_KNAT_NOTRACK:-0}" = 1 ]; then
		# The tunnel itself untracked, as nvgre-xdp's conntrack never sees it (with VXLAN, whose
		# source port is a hash of the inner flow, every inner connection is also an outer UDP
		# connection each way).
		if [ "$KNAT_TUNNEL" = gretap ]; then
			nft_masquerade "$c" "ip protocol gre"
		else
			nft_masquerade "$c" "udp dport 4789"
		fi
	else
		nft_masquerade "$c"
	fi
}

conf_kernel_route_nat() {
	local c=$1
	ip -n "$(ns_name "${N[$c]}-h1")" addr add 10.1.1.1/24 dev "$(vm_port "${N[$c]}-v1")"
	ip -n "$(ns_name "${N[$c]}-h1")" route add default via "$GW_PA" || die "$c: h1 route"
	ns_sysctl "${N[$c]}-h1" net/ipv4/ip_forward 1
	ip -n "$(ns_name "${N[$c]}-gw")" route add 10.1.1.0/24 via 192.0.2.1 || die "$c: gw route"
	ns_sysctl "${N[$c]}-gw" net/ipv4/ip_forward 1
	topo_vm_default_route "${N[$c]}-v1"
	nft_masquerade "$c"
}

# conf_direct: the client's namespace direct-v1 (10.1.1.11/24) and direct-inet on one veth.
conf_direct() {
	local v inet
	ns_add direct-v1
	ns_add direct-inet
	v=$(ns_name direct-v1)
	inet=$(ns_name direct-inet)
	ip -n "$v" link add eth0 type veth peer name eth0 netns "$inet" || die "direct: veth"
	ip -n "$v" addr add 10.1.1.11/24 dev eth0
	ip -n "$inet" addr add "$SERVER/24" dev eth0
	link_settings direct-v1 eth0
	link_settings direct-inet eth0
	ip -n "$v" route add default dev eth0 || die "direct: route"
	ip -n "$inet" route add 10.1.1.0/24 dev eth0 || die "direct: route"
}

gw_up() {
	local c=$1 mtu=$((BT_UL_MTU - 42))
	[ -n "${N[$c]:-}" ] || die "unknown configuration $c"
	if [ "$c" = direct ]; then
		conf_direct
	else
		[ "$c" != kernel-route-nat ] || mtu=$BT_UL_MTU
		[ "$c" != kernel-nat ] || mtu=$((BT_UL_MTU - KNAT_OVERHEAD))
		topo_switch "${N[$c]}-sw"
		topo_host "${N[$c]}-h1" "${N[$c]}-sw" 192.0.2.1
		topo_host "${N[$c]}-gw" "${N[$c]}-sw" "$GW_PA"
		topo_vm "${N[$c]}-v1" G "${N[$c]}-h1" 11 "$mtu"
		case "$c" in nvgre-nat*) TOPO_ATTACH[${N[$c]}-gw]="ct-max $CT_MAX" ;; esac
		topo_build "${N[$c]}-sw"
		ext_link "$c"
		case "$c" in
		nvgre-nat) conf_nvgre "$c" auto ;;
		nvgre-nat-xdp) conf_nvgre "$c" native ;;
		kernel-nat) conf_kernel_nat "$c" ;;
		kernel-route-nat) conf_kernel_route_nat "$c" ;;
		esac
	fi
	# The client's ports: all of them (the connection rate cycles through them).
	ns_sysctl "${N[$c]}-v1" net/ipv4/ip_local_port_range "1024 65535"
	# The connection-rate server, for the whole run (idle in accept() while others run).
	bg_in_ns "${N[$c]}-inet" "$CONNRATE" server "$SERVER" "$CONN_PORT" >/dev/null \
		2>"$TMP/$c-connsrv.err"
}

KNAT_TUNNEL=none KNAT_OVERHEAD=0
case " $CONFS " in
*" kernel-nat "*)
	knat_tunnel
	KNAT_OVERHEAD=42 # Ethernet, IPv4, GRE with a key: NVGRE's 42 bytes
	[ "$KNAT_TUNNEL" = gretap ] || KNAT_OVERHEAD=50
	if [ "$KNAT_TUNNEL" != gretap ] && [ "${BENCH_KNAT_TUNNEL:-auto}" = auto ]; then
		bt_log "kernel-nat: this kernel has no gretap (CONFIG_NET_IPGRE): VXLAN for its tunnel"
	fi
	;;
esac
ALL="$CONFS direct"
declare -A FAILED=()
for c in $ALL; do
	gw_up "$c"
done
# The kernel's conntrack table (its sysctl exists once nft has loaded conntrack): one limit for
# every namespace, each counting its own connections; put back at exit when raised.
CT_SYSCTL=/proc/sys/net/netfilter/nf_conntrack_max
if [ -w "$CT_SYSCTL" ]; then
	ct_old=$(cat "$CT_SYSCTL")
	if [ "$ct_old" -lt "$CT_MAX" ]; then
		echo "$CT_MAX" >"$CT_SYSCTL" || die "cannot set nf_conntrack_max"
		on_cleanup "echo $ct_old >$CT_SYSCTL"
		bt_log "nf_conntrack_max $ct_old -> $CT_MAX for the run"
	fi
fi
# Every configuration must pass traffic before anything is measured (ARP resolved meanwhile).
for c in $ALL; do
	ok=0
	for _ in 1 2 3 4 5; do
		if in_ns "${N[$c]}-v1" ping -q -c 1 -W 1 "$SERVER" >/dev/null 2>&1; then
			ok=1
			break
		fi
	done
	if [ "$ok" = 1 ]; then
		bt_log "$c: the VM reaches $SERVER"
	else
		bt_log "$c: the VM cannot reach $SERVER (ping): not measured"
		FAILED[$c]=1
	fi
done
for c in $ALL; do
	[ -n "${FAILED[$c]:-}" ] || ! [ -s "$TMP/$c-connsrv.err" ] ||
		bt_log "$c: connrate server: $(head -c 300 "$TMP/$c-connsrv.err")"
done

# ---- one run --------------------------------------------------------------------------------
# run_iperf CONF METRIC JSON: iperf3 server in inet, client in the VM, both in the background and
# waited for (so that INT and TERM reach the trap at once: bench_topo.sh, topo.sh say why).
run_iperf() {
	local c=$1 m=$2 json=$3 args i srv cli
	case "$m" in
	tcp1) args=(-P 1) ;;
	tcp4) args=(-P 4) ;;
	udp64) args=(-u -l 64 -b 0) ;;
	esac
	bg_in_ns "${N[$c]}-inet" iperf3 -s -1 -B "$SERVER" -p 5201 >/dev/null 2>&1
	srv=$BG_PID
	for i in $(seq 100); do
		in_ns "${N[$c]}-inet" ss -Hltn "sport = :5201" | grep -q . && break
		[ "$i" = 100 ] || sleep 0.02
	done
	bg_in_ns "${N[$c]}-v1" timeout $((SECS + 18)) "${PIN[@]}" iperf3 -c "$SERVER" -p 5201 -t "$SECS" \
		"${args[@]}" -J >"$json" 2>&1
	cli=$BG_PID
	wait "$cli" || true
	bg_forget "$cli"
	bg_stop "$srv"
}

run_conn() {
	local c=$1 json=$2 cli
	bg_in_ns "${N[$c]}-v1" timeout $((SECS + 15)) "${PIN[@]}" "$CONNRATE" client "$SERVER" "$CONN_PORT" "$SECS" \
		"$CONN_WORKERS" "$CONN_INFLIGHT" >"$json" 2>&1
	cli=$BG_PID
	wait "$cli" || true
	bg_forget "$cli"
}

# The fill of both NATs' tables after a conn run, for the log.
conn_fill() {
	local n
	case "$1" in
	nvgre-nat*)
		n=$(nvctl_on "${N[$1]}-gw" -j dp show | "$PY" -c 'import json, sys
m = json.load(sys.stdin)["maps"]
print("%d/%d" % (m["conns"], m["conns_max"]))')
		echo "nvgre-xdp connections $n"
		;;
	kernel-*)
		n=$(in_ns "${N[$1]}-gw" cat /proc/sys/net/netfilter/nf_conntrack_count)
		echo "nf_conntrack_count $n/$(cat "$CT_SYSCTL")"
		;;
	esac
}

# cpu_ticks: the machine's total and stolen CPU ticks (/proc/stat), "TOTAL STEAL".
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9 }' /proc/stat; }

# dev_rps NODE DEV MASK: RPS of every receive queue of NODE's DEV (sysfs shows a namespace's
# devices only when mounted in it: a mount namespace of the command's own).
dev_rps() {
	# shellcheck disable=SC2016 # expanded by the shell in the namespace
	in_ns "$1" unshare -m sh -c 'mount -t sysfs sysfs /sys &&
		for q in /sys/class/net/"$1"/queues/rx-*/rps_cpus; do echo "$0" >"$q"; done' "$3" "$2" ||
		die "$1: rps_cpus $3 on $2"
}

# split_layout CONF on|off: what CONF's gateway underlay receives to CPU 0 (RPS), the VM's
# client on the last CPU, where the tenant host and the switch then run (the sender's softirq);
# off: nothing steered.
split_layout() {
	if [ "$2" = on ]; then
		dev_rps "${N[$1]}-gw" ul 1
		PIN=(taskset -c $((NCPU - 1)))
	else
		dev_rps "${N[$1]}-gw" ul 0
		PIN=()
	fi
}

# run_one CONF METRIC ROUND LAYOUT: sets VAL (Gbit/s, kpps, connections/s, or NA), RTX (TCP
# sender's retransmits), CERR, CSLOW, CP50 (conn: failed connections, connections slower than
# 200 ms, the median connection's time in ms), STEAL (the share of CPU time the hypervisor took
# meanwhile, %).
run_one() {
	local c=$1 m=$2 r=$3 l=$4 json h drops t0 s0 t1 s1
	json="$TMP/$c-$m-$r-$l.json"
	PIN=()
	[ "$l" != split ] || split_layout "$c" on
	case "$c" in
	nvgre-nat*)
		if [ "$m" = conn ] && ! nvctl_on "${N[$c]}-gw" nat conn flush >/dev/null; then
			bt_log "$c: nat conn flush failed"
		fi
		for h in h1 gw; do
			nvctl_on "${N[$c]}-$h" -j stats show >"$TMP/$c-$h-before.json" 2>/dev/null
		done
		;;
	esac
	read -r t0 s0 < <(cpu_ticks)
	if [ "$m" = conn ]; then
		run_conn "$c" "$json"
	else
		run_iperf "$c" "$m" "$json"
	fi
	read -r t1 s1 < <(cpu_ticks)
	STEAL=$(awk -v t="$((t1 - t0))" -v s="$((s1 - s0))" 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')
	read -r VAL RTX CERR CSLOW CP50 < <("$PY" - "$json" "$m" <<-'EOF'
		import json, sys
		try:
		    if sys.argv[2] == "conn":
		        d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
		        if not d["completed"]:
		            raise ValueError("no connection completed, %d errors" % d["errors"])
		        print("%.1f NA %d %d %.2f" % (d["per_second"], d["errors"], d["slow"], d["p50_ms"]))
		        sys.exit(0)
		    d = json.load(open(sys.argv[1]))
		    if d.get("error"):
		        raise ValueError(d["error"])
		    if sys.argv[2] == "udp64":
		        s = d["end"]["sum"]
		        got = s["packets"] - s["lost_packets"]  # what the receiver's socket got
		        print("%.3f NA NA NA NA" % (got / s["seconds"] / 1e3))
		    else:
		        s = d["end"]["sum_received"]
		        print("%.4f %d NA NA NA" % (s["bits_per_second"] / 1e9,
		                                 d["end"]["sum_sent"].get("retransmits", 0)))
		except Exception as e:
		    print("NA NA NA NA NA")
		    print("run failed:", e, file=sys.stderr)
	EOF
	)
	case "$c" in
	nvgre-nat*)
		for h in h1 gw; do
			nvctl_on "${N[$c]}-$h" -j stats show >"$TMP/$c-$h-after.json" 2>/dev/null
			drops=$("$PY" "$STATS" diff "$TMP/$c-$h-before.json" "$TMP/$c-$h-after.json" 2>/dev/null |
				awk '/^drop / { printf "%s%s %s", sep, $2, $3; sep = ", " }')
			[ -z "$drops" ] || bt_log "  $c $h drops: $drops"
		done
		;;
	esac
	[ "$m" != conn ] || [ "$c" = direct ] || bt_log "  $c after conn: $(conn_fill "$c")"
	[ "$l" != split ] || split_layout "$c" off
}

# ---- measure, interleaved -------------------------------------------------------------------
csv="$OUT/gateway.csv"
echo "round,config,layout,metric,value,unit,retransmits,conn_errors,conn_slow,conn_p50_ms,steal_pct" >"$csv"
for ((r = 1; r <= ROUNDS; r++)); do
	for m in $METRICS; do
		for l in $LAYOUTS; do
			for c in $CONFS direct; do
				[ -z "${FAILED[$c]:-}" ] || continue
				# direct has no gateway to put on a CPU of its own.
				[ "$c:$l" != direct:split ] || continue
				run_one "$c" "$m" "$r" "$l"
				case "$m" in
				udp64) unit=kpps ;;
				conn) unit=conn/s ;;
				*) unit=Gbit/s ;;
				esac
				printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$r" "$c" "$l" "$m" "$VAL" \
					"$unit" "$RTX" "$CERR" "$CSLOW" "$CP50" "$STEAL" >>"$csv"
				case "$m" in
				conn) bt_log "round $r $m $l $c: $VAL $unit (errors $CERR, slower than" \
					"200 ms $CSLOW, median $CP50 ms; steal $STEAL%)" ;;
				*) bt_log "round $r $m $l $c: $VAL $unit (retransmits $RTX; steal" \
					"$STEAL%)" ;;
				esac
			done
		done
	done
done

# ---- summary, JSON --------------------------------------------------------------------------
if ! "$PY" - "$csv" "$OUT" "$CONFS" "$METRICS" "$ROUNDS" "$SECS" "$BT_UL_MTU" \
	"$BT_SW/$BT_HOST_GRO" "$CONN_WORKERS" "$CONN_INFLIGHT" "$CT_MAX" "$KNAT_TUNNEL" \
	"${BENCH_KNAT_NOTRACK:-0}" "$LAYOUTS" <<-'EOF'; then
	import csv, json, statistics, sys
	path, out, confs, metrics = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
	rounds, secs, mtu, gro, workers, inflight, ct_max, tunnel, notrack = sys.argv[5:14]
	layouts = sys.argv[14].split()
	names = {"nvgre-nat": "nvgre-xdp gateway NAT", "nvgre-nat-xdp": "nvgre-xdp NAT, xdp-mode native",
	         "kernel-nat": "%s + nft masquerade" % ("gretap" if tunnel == "gretap" else "VXLAN"),
	         "kernel-route-nat": "routing + nft masquerade", "direct": "direct veth, no NAT"}
	lnames = {"shared": "one CPU for the whole chain", "split": "the gateway on a CPU of its own"}
	mnames = {"tcp1": "TCP 1 stream (Gbit/s)", "tcp4": "TCP 4 streams (Gbit/s)",
	          "udp64": "UDP 64 B payload (received kpps)", "conn": "new TCP connections/s"}
	target = {"udp64": 1.3, "conn": 1.3}  # issue 14: >= 1.3x nftables on pps and connection rate
	# A configuration in a layout: "C" (shared) or "C@split"; ratios stay within a layout.
	key = lambda c, l: c if l == "shared" else c + "@" + l
	vals, extra, byround, steal = {}, {}, {}, []
	for row in csv.DictReader(open(path)):
	    steal.append(float(row["steal_pct"]))
	    k = key(row["config"], row["layout"])
	    if row["value"] != "NA":
	        vals.setdefault((k, row["metric"]), []).append(float(row["value"]))
	        byround[k, row["metric"], row["round"]] = float(row["value"])
	        if row["metric"] == "conn":
	            e = extra.setdefault(k, [0, 0])
	            e[0] += int(row["conn_errors"])
	            e[1] += int(row["conn_slow"])
	med = {k: statistics.median(v) for k, v in vals.items()}
	def ratio(c, base, m):
	    if (c, m) in med and (base, m) in med and med[base, m] > 0:
	        return med[c, m] / med[base, m]
	    return None
	# The ratio of each round's runs (a few seconds apart): how much the ratio itself varies.
	def round_ratios(c, base, m):
	    return [byround[c, m, r] / byround[base, m, r] for r in map(str, range(1, int(rounds) + 1))
	            if (c, m, r) in byround and (base, m, r) in byround and byround[base, m, r] > 0]
	res = {"rounds": int(rounds), "seconds": int(secs), "underlay_mtu": int(mtu),
	       "underlay_rx": {"switch_ports": gro.split("/")[0], "host_gro": gro.split("/")[1]},
	       "conn_client": {"workers": int(workers), "inflight_per_worker": int(inflight)},
	       "ct_max": int(ct_max), "kernel_nat_tunnel": tunnel, "layouts": layouts,
	       "kernel_nat_tunnel_tracked": notrack != "1", "targets": target, "results": [],
	       "summary": [], "steal_pct": {"median": statistics.median(steal) if steal else None,
	                                    "max": max(steal) if steal else None}}
	f = lambda x: ("%9.0f" if m == "conn" else "%9.2f") % x if x is not None else "%9s" % "-"
	rf = lambda x: "%8.2fx" % x if x is not None else "%9s" % "-"
	for m in metrics:
	    print("\n%s" % mnames[m])
	    print("| %-30s | %-31s | %9s | %9s | %9s | %3s | %13s | %19s |" %
	          ("configuration", "layout", "min", "median", "max", "n", "vs kernel-nat",
	           "vs kernel-route-nat"))
	    print("|%s|%s|%s:|%s:|%s:|%s:|%s:|%s:|" % ("-" * 32, "-" * 33, "-" * 10, "-" * 10,
	                                            "-" * 10, "-" * 4, "-" * 14, "-" * 20))
	    for l in layouts:
	        for c in confs + (["direct"] if l == "shared" else []):
	            k = key(c, l)
	            v = vals.get((k, m), [])
	            e = {"config": c, "layout": l, "metric": m, "n": len(v), "runs": v,
	                 "unit": {"udp64": "kpps", "conn": "conn/s"}.get(m, "Gbit/s")}
	            if v:
	                e.update(min=min(v), median=med[k, m], max=max(v),
	                         ratio_kernel_nat=ratio(k, key("kernel-nat", l), m),
	                         ratio_kernel_route_nat=ratio(k, key("kernel-route-nat", l), m))
	                if m == "conn":
	                    e.update(conn_errors=extra[k][0], conn_slow=extra[k][1])
	            res["results"].append(e)
	            print("| %-30s | %-31s | %s | %s | %s | %3d | %13s | %19s |" % (
	                names[c], lnames[l], f(e.get("min")), f(e.get("median")), f(e.get("max")),
	                len(v), rf(e.get("ratio_kernel_nat")), rf(e.get("ratio_kernel_route_nat"))))
	# The summary: medians side by side, nvgre-nat / kernel-nat against the target, per layout.
	kc = [c for c in ("kernel-nat", "kernel-route-nat") if c in confs]
	nc = [c for c in confs if c.startswith("nvgre-nat")]
	print("\nSummary (medians; ratio of medians nvgre-xdp / %s of the same layout, in brackets the "
	      "range of the rounds' own ratios; target: issue 14)" % names["kernel-nat"])
	hdr = ["metric", "layout"] + nc + kc + ["direct (ceiling)"] + \
	      ["%s / kernel-nat" % c for c in nc] + ["target"]
	print("| " + " | ".join(hdr) + " |")
	print("|---|---|" + "---:|" * (len(hdr) - 3) + "---|")
	for m in metrics:
	    for l in layouts:
	        cells = [mnames[m], l]
	        fmt = "%.0f" if m == "conn" else "%.2f"
	        for c in nc + kc + ["direct"]:
	            k = key(c, "shared" if c == "direct" else l)
	            cells.append(fmt % med[k, m] if (k, m) in med else "-")
	        verdicts = []
	        for c in nc:
	            x = ratio(key(c, l), key("kernel-nat", l), m)
	            rr = round_ratios(key(c, l), key("kernel-nat", l), m)
	            cells.append("%.2fx (%.2f-%.2f)" % (x, min(rr), max(rr)) if x is not None and rr
	                         else "%.2fx" % x if x is not None else "-")
	            if m in target and x is not None:
	                verdicts.append("PASS" if x >= target[m] else "MISS")
	            res["summary"].append({"config": c, "layout": l, "metric": m,
	                                   "ratio_kernel_nat": x, "round_ratios_kernel_nat": rr,
	                                   "target": target.get(m),
	                                   "verdict": verdicts[-1] if m in target and x is not None
	                                   else None})
	        cells.append(">= %.1fx: %s" % (target[m], "/".join(verdicts) or "-") if m in target
	                     else "-")
	        print("| " + " | ".join(cells) + " |")
	if "conn" in metrics:
	    print("(conn: failed connections / connections slower than 200 ms over all rounds: %s)" %
	          ", ".join("%s %d/%d" % (k, extra[k][0], extra[k][1]) for k in sorted(extra)))
	if steal:
	    print("(CPU time the hypervisor took during the runs (steal): median %.1f%%, max %.1f%%, "
	          "%d of %d runs above 5%%)" % (statistics.median(steal), max(steal),
	                                        sum(x > 5 for x in steal), len(steal)))
	json.dump(res, open(out + "/gateway.json", "w"), indent=2)
	EOF
	die "summary failed"
fi
bt_log "results: $csv $OUT/gateway.json"

# A configuration that passed no traffic at all is the only failure.
status=0
for c in $ALL; do
	if [ -n "${FAILED[$c]:-}" ] || ! grep -q "^[0-9]*,$c,[a-z]*,[a-z0-9]*,[0-9]" "$csv"; then
		bt_log "FAIL: $c passed no traffic"
		status=1
	fi
done
exit $status
