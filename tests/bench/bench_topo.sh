# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Two-host topology for the VM-to-VM benchmark (tests/bench/vm2vm.sh), a small sibling of
# tests/e2e/topology.sh (which has three hosts and seven VMs, too many to set up four times).
# One copy per configuration, all built up front and left idle while another one runs:
#
#             switch ns: bridge br0 (ports h1 h2)
#        ___________________|___________________
#       |                                       |
#   h1: ul 192.0.2.1/24                     h2: ul 192.0.2.2/24      underlay, MTU $BT_UL_MTU
#     vm (host side) -- v1: eth0              vm (host side) -- v2: eth0
#
#   tc, xdp  nvgre-xdp, vsid 5001; VMs 10.0.0.1 and .2/24, MTU = underlay - 42, ports
#            delivering in TC or in XDP
#   vxlan    kernel VXLAN (VNI 5001, dstport 4789, no learning, static FDB entries plus an
#            all-zeros flood entry to the peer PA) in a bridge with the VM's port on each
#            host; VMs 10.0.0.1 and .2/24, MTU = underlay - 50
#   tcrx     tc attached with xdp-mode none: no XDP program on the underlay, nv_wire_tc validates
#            and decapsulates alone, after GRO (what XDP on a veth costs: see profile.sh)
#   route    no overlay: VM 1 10.1.1.2/24 behind h1 (10.1.1.1), VM 2 10.1.2.2/24 behind h2,
#            the hosts route to each other over the underlay; VM MTU = underlay MTU
#
# Namespaces are nvb-$BT_ID-$CONF-{sw,h1,h2,v1,v2}; nvctl instances pin under
# /sys/fs/bpf/nvgre-bench-$BT_ID-$CONF-$HOST. bt_cleanup (trapped on EXIT, INT, TERM by bt_trap)
# removes every namespace and pin directory this run made.
#
# Needs: NVCTL (path to nvctl).

BT_ID=${BT_ID:-$(printf '%04x%04x' $(($$ & 0xffff)) $((RANDOM & 0xffff)))}
BT_UL_MTU=${BT_UL_MTU:-1500}
BT_TMP=""
BT_NAMESPACES=()
BT_PINS=()
BT_PIDS=() # background processes (iperf3 servers) ended at cleanup, by pid
BT_UP=0

declare -A BT_PA=([h1]=192.0.2.1 [h2]=192.0.2.2)
BT_VSID=5001

bt_log() { printf '# %s\n' "$*" >&2; }
bt_die() {
	printf 'Bail out! %s\n' "$*" >&2
	exit 1
}

bt_ns() { echo "nvb-$BT_ID-$1-$2"; } # CONF NODE
# bt_in CONF NODE CMD...: CMD in the namespace (nsenter keeps /sys/fs/bpf visible, DESIGN 7).
bt_in() {
	local ns
	ns=$(bt_ns "$1" "$2")
	shift 2
	nsenter --net="/run/netns/$ns" -- "$@"
}
bt_sysctl() { bt_in "$1" "$2" tee "/proc/sys/$3" <<<"$4" >/dev/null; }
bt_pin_dir() { echo "/sys/fs/bpf/nvgre-bench-$BT_ID-$1-$2"; }
bt_nvctl() {
	local c=$1 h=$2
	shift 2
	bt_in "$c" "$h" "$NVCTL" --pin-dir "$(bt_pin_dir "$c" "$h")" "$@"
}
bt_vm_mac() { printf '02:4e:56:00:00:%02x\n' "$1"; }

# The VM-side address a client in v1 talks to, per configuration.
bt_dst() {
	case "$1" in
	route) echo 10.1.2.2 ;;
	*) echo 10.0.0.2 ;;
	esac
}

bt_add_ns() {
	local ns
	ns=$(bt_ns "$1" "$2")
	ip netns add "$ns" || bt_die "ip netns add $ns"
	BT_NAMESPACES+=("$ns")
	bt_sysctl "$1" "$2" net/ipv6/conf/all/disable_ipv6 1
	bt_sysctl "$1" "$2" net/ipv6/conf/default/disable_ipv6 1
	ip -n "$ns" link set lo up
}

# The underlay: a switch that forwards frames in order, hosts whose NICs do GRO, for every
# configuration alike (measured with tcp1 and nstat, tests/bench/vm2vm.sh's knobs):
#
# - Hosts' ul: GRO on, as a real NIC has it. Without it (veth's default, the e2e topology's
#   setting), nvgre-xdp's TC delivery ran at ~3 Gbit/s against ~4 for XDP delivery: frames
#   passed up from XDP reach TC one segment at a time, and each decapsulated segment that TC
#   redirects into the VM's veth skips the VM-side NAPI/GRO (veth only queues an skb for GRO
#   when the sending device has no TSO) and lands in the backlog of whichever CPU ran TC. The VM
#   then took ~900,000 TCP segments in 3 s instead of ~35,000 GRO-merged ones (XDP delivery:
#   veth_xdp_xmit always goes through the VM's NAPI and GRO), out of order between the two
#   CPUs' backlogs (TCPOFOQueue ~10,000, SACK reordering at the sender). With GRO on ul the
#   kernel merges NVGRE (gre_gro_receive is built in) before TC, and TC delivery matches XDP
#   delivery (~4.1-4.4 Gbit/s, no OFO). VXLAN (UDP tunnel GRO) and routing (TCP GRO) get the same.
# - Switch ports: NAPI, in order, frame by frame. A veth without NAPI (no XDP, GRO off) hands a
#   frame to netif_rx on the transmitting CPU, i.e. into that CPU's backlog; a TCP sender
#   transmits from both CPUs, so a flow can leave the switch out of order as no wire does. GRO
#   on a veth gives it its own NAPI (a ring per queue, drained in order), but full GRO would
#   also merge, unequally (TCP and NVGRE merge there, VXLAN does not: UDP tunnel GRO needs the
#   VXLAN socket, which lives on the hosts) and every merged frame is cut up again in software
#   on the way out (tx off): work no switch does. So GRO on with gro_max_size below one frame.
#   (Measured, the switch setting mattered far less than the hosts' GRO: with the hosts' GRO on,
#   TC and XDP delivery were equal with the switch ports in any of the three modes.)
#
# BT_SW=gro|off and BT_HOST_GRO=off give the other settings for comparison.
BT_SW=${BT_SW:-napi}
BT_HOST_GRO=${BT_HOST_GRO:-on}
bt_underlay_rx() {
	local c=$1 node=$2 dev=$3 gro=$BT_HOST_GRO
	if [ "$node" = sw ]; then
		case "$BT_SW" in
		napi | gro) gro=on ;;
		*) gro=off ;;
		esac
	fi
	bt_in "$c" "$node" ethtool -K "$dev" gro "$gro" >/dev/null ||
		bt_die "$c: ethtool -K $dev gro $gro on $node"
	if [ "$node" = sw ] && [ "$BT_SW" = napi ]; then
		# skb_gro_receive merges only below gro_max_size: 1000 keeps every frame whole.
		ip -n "$(bt_ns "$c" sw)" link set "$dev" gro_max_size 1000 ||
			bt_die "$c: gro_max_size on $dev"
	fi
}

# A veth's default qdisc is noqueue: when the peer's NAPI ring (256 frames) is full, veth_xmit
# drops, and TCP with 4 streams here lost ~150,000 segments in 3 s at the hosts' ul. With a qdisc
# the kernel's veth stops the queue instead (backpressure, as a NIC's full tx ring does):
# retransmits fell to about a thousand. Every underlay veth end, every configuration alike.
bt_underlay_tx() {
	bt_in "$1" "$2" tc qdisc replace dev "$3" root pfifo limit 1000 ||
		bt_die "$1: qdisc on $3 on $2"
}

bt_add_host() {
	local c=$1 h=$2 ns sw
	ns=$(bt_ns "$c" "$h")
	sw=$(bt_ns "$c" sw)
	bt_add_ns "$c" "$h"
	ip -n "$ns" link add ul mtu "$BT_UL_MTU" type veth peer name "$h" netns "$sw" mtu "$BT_UL_MTU"
	ip -n "$sw" link set "$h" master br0 up
	ip -n "$ns" addr add "${BT_PA[$h]}/24" dev ul
	# DESIGN 7: a veth underlay must finish checksums like a real wire does (every config alike).
	bt_in "$c" "$h" ethtool -K ul tx off >/dev/null
	bt_in "$c" sw ethtool -K "$h" tx off >/dev/null
	bt_underlay_rx "$c" "$h" ul
	bt_underlay_rx "$c" sw "$h"
	bt_underlay_tx "$c" "$h" ul
	bt_underlay_tx "$c" sw "$h"
	ip -n "$ns" link set ul up
}

# bt_add_vm CONF HOST N MTU: VM namespace vN, its NIC eth0, the host-side device "vm".
bt_add_vm() {
	local c=$1 h=$2 n=$3 mtu=$4 ns vmns
	ns=$(bt_ns "$c" "$h")
	vmns=$(bt_ns "$c" "v$n")
	bt_add_ns "$c" "v$n"
	ip -n "$ns" link add vm mtu "$mtu" type veth peer name eth0 netns "$vmns" mtu "$mtu" \
		address "$(bt_vm_mac "$n")"
	# XDP redirect into a veth needs GRO (NAPI) on the receiving end (DESIGN 7); every
	# configuration gets the same VM NIC.
	bt_in "$c" "v$n" ethtool -K eth0 gro on >/dev/null
	ip -n "$vmns" link set eth0 up
	ip -n "$ns" link set vm up
}

bt_conf_nvgre() { # CONF DELIVER [XDP_MODE]
	local c=$1 deliver=$2 xdp=() h n
	[ -z "${3:-}" ] || xdp=(xdp-mode "$3")
	for h in h1 h2; do
		n=${h#h}
		bt_add_vm "$c" "$h" "$n" $((BT_UL_MTU - 42))
		ip -n "$(bt_ns "$c" "v$n")" addr add "10.0.0.$n/24" dev eth0
		[ ! -e "$(bt_pin_dir "$c" "$h")" ] || bt_die "$(bt_pin_dir "$c" "$h") exists: not ours"
		BT_PINS+=("$c $h")
		bt_nvctl "$c" "$h" dp attach dev ul pa "${BT_PA[$h]}" "${xdp[@]}" >/dev/null ||
			bt_die "$c/$h: nvctl dp attach failed"
		bt_nvctl "$c" "$h" subnet add vsid "$BT_VSID" rdid 1 || bt_die "$c/$h: subnet add"
		bt_nvctl "$c" "$h" record add vsid "$BT_VSID" ca 10.0.0.1 mac "$(bt_vm_mac 1)" \
			pa "${BT_PA[h1]}" || bt_die "$c/$h: record add"
		bt_nvctl "$c" "$h" record add vsid "$BT_VSID" ca 10.0.0.2 mac "$(bt_vm_mac 2)" \
			pa "${BT_PA[h2]}" || bt_die "$c/$h: record add"
		bt_nvctl "$c" "$h" port add dev vm vsid "$BT_VSID" ca "10.0.0.$n" \
			mac "$(bt_vm_mac "$n")" deliver "$deliver" || bt_die "$c/$h: port add"
	done
}

bt_conf_vxlan() {
	local c=$1 h n peer mtu=$((BT_UL_MTU - 50)) ns
	for h in h1 h2; do
		n=${h#h}
		ns=$(bt_ns "$c" "$h")
		if [ "$h" = h1 ]; then peer=h2; else peer=h1; fi
		bt_add_vm "$c" "$h" "$n" "$mtu"
		ip -n "$(bt_ns "$c" "v$n")" addr add "10.0.0.$n/24" dev eth0
		ip -n "$ns" link add vx0 mtu "$mtu" type vxlan id "$BT_VSID" local "${BT_PA[$h]}" \
			dev ul dstport 4789 nolearning || bt_die "$c/$h: vxlan device"
		# Flooding (ARP) to the peer PA, and the peer VM's MAC pinned to it.
		bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vx0 dst "${BT_PA[$peer]}" ||
			bt_die "$c/$h: fdb"
		bridge -n "$ns" fdb add "$(bt_vm_mac "${peer#h}")" dev vx0 dst "${BT_PA[$peer]}" \
			self permanent || bt_die "$c/$h: fdb"
		ip -n "$ns" link add br0 mtu "$mtu" type bridge
		ip -n "$ns" link set vm master br0
		ip -n "$ns" link set vx0 master br0
		ip -n "$ns" link set vx0 up
		ip -n "$ns" link set br0 up
	done
}

bt_conf_route() {
	local c=$1 h n peer ns
	for h in h1 h2; do
		n=${h#h}
		ns=$(bt_ns "$c" "$h")
		if [ "$h" = h1 ]; then peer=h2; else peer=h1; fi
		bt_add_vm "$c" "$h" "$n" "$BT_UL_MTU"
		ip -n "$(bt_ns "$c" "v$n")" addr add "10.1.$n.2/24" dev eth0
		ip -n "$(bt_ns "$c" "v$n")" route add default via "10.1.$n.1"
		ip -n "$ns" addr add "10.1.$n.1/24" dev vm
		ip -n "$ns" route add "10.1.${peer#h}.0/24" via "${BT_PA[$peer]}"
		bt_sysctl "$c" "$h" net/ipv4/ip_forward 1
	done
}

# bt_up CONF: build one configuration (tc, xdp, vxlan or route).
bt_up() {
	local c=$1 sw k
	BT_UP=1
	bt_add_ns "$c" sw
	sw=$(bt_ns "$c" sw)
	if bt_in "$c" sw test -d /proc/sys/net/bridge; then
		for k in iptables ip6tables arptables; do
			bt_sysctl "$c" sw "net/bridge/bridge-nf-call-$k" 0
		done
	fi
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	bt_add_host "$c" h1
	bt_add_host "$c" h2
	case "$c" in
	tc | xdp) bt_conf_nvgre "$c" "$c" ;;
	tcrx) bt_conf_nvgre "$c" tc none ;;
	vxlan) bt_conf_vxlan "$c" ;;
	route) bt_conf_route "$c" ;;
	*) bt_die "unknown configuration $c" ;;
	esac
}

# bt_iperf_start CONF METRIC SECS JSON: an iperf3 server on VM 2 (once it listens) and a client on
# VM 1 for METRIC (tcp1, tcp4, udp64), both in the background, the client's JSON into JSON. Not
# to be called in a subshell: BT_SRV and BT_CLI are the pids (nsenter itself is put in the
# background, not the bt_in function, which would fork a subshell, so the pid becomes iperf3 or
# timeout, the process cleanup has to end). bt_iperf_reap waits for the client, ends the server.
bt_iperf_start() {
	local c=$1 m=$2 secs=$3 json=$4 dst i args
	case "$m" in
	tcp1) args=(-P 1) ;;
	tcp4) args=(-P 4) ;;
	udp64) args=(-u -l 64 -b 0) ;;
	*) bt_die "unknown metric $m" ;;
	esac
	dst=$(bt_dst "$c")
	nsenter --net="/run/netns/$(bt_ns "$c" v2)" -- iperf3 -s -1 -B "$dst" -p 5201 \
		>/dev/null 2>&1 &
	BT_SRV=$!
	BT_PIDS+=("$BT_SRV")
	for i in $(seq 100); do
		bt_in "$c" v2 ss -Hltn "sport = :5201" | grep -q . && break
		[ "$i" = 100 ] || sleep 0.02
	done
	nsenter --net="/run/netns/$(bt_ns "$c" v1)" -- timeout $((secs + 15)) \
		iperf3 -c "$dst" -p 5201 -t "$secs" "${args[@]}" -J >"$json" 2>&1 &
	BT_CLI=$!
	BT_PIDS+=("$BT_CLI")
}

# Waited for, not run in the foreground, so that INT and TERM reach the trap at once (bash defers
# traps while a foreground child runs).
bt_iperf_reap() {
	wait "$BT_CLI"
	kill "$BT_SRV" 2>/dev/null # still there when the client never connected
	wait "$BT_SRV" 2>/dev/null
	BT_PIDS=() # both reaped: nothing of ours left to end
}

bt_prepare() {
	local tool
	[ "$(id -u)" -eq 0 ] || bt_die "the benchmark needs root"
	[ -x "$NVCTL" ] || bt_die "$NVCTL is not built (run make)"
	for tool in ip bridge tc ss nsenter ethtool iperf3 ping timeout; do
		command -v "$tool" >/dev/null 2>&1 || bt_die "$tool is needed (.ci/install-deps.sh)"
	done
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	BT_TMP=$(mktemp -d "/tmp/nvgre-bench-$BT_ID.XXXXXX")
	BT_UP=1
	# Our own copy: a make relinking build/nvctl meanwhile cannot break the run.
	cp "$NVCTL" "$BT_TMP/nvctl"
	NVCTL="$BT_TMP/nvctl"
}

bt_cleanup() {
	local i ns c h
	[ "$BT_UP" = 1 ] || return 0
	BT_UP=0
	for i in "${BT_PIDS[@]}"; do
		kill "$i" 2>/dev/null || true
	done
	for i in "${BT_PIDS[@]}"; do
		wait "$i" 2>/dev/null || true
	done
	for i in "${BT_PINS[@]}"; do
		read -r c h <<<"$i"
		if [ -e "$(bt_pin_dir "$c" "$h")" ]; then
			bt_nvctl "$c" "$h" dp detach >/dev/null 2>&1 || true
		fi
	done
	for ((i = ${#BT_NAMESPACES[@]} - 1; i >= 0; i--)); do
		ns=${BT_NAMESPACES[$i]}
		ip netns del "$ns" 2>/dev/null || true
	done
	for i in "${BT_PINS[@]}"; do
		read -r c h <<<"$i"
		rm -rf "$(bt_pin_dir "$c" "$h")"
	done
	if [ -n "$BT_TMP" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			bt_log "kept iperf3 output in $BT_TMP"
		else
			rm -rf "$BT_TMP"
		fi
	fi
	return 0
}

bt_trap() {
	trap 'bt_cleanup' EXIT
	trap 'bt_cleanup; trap - EXIT; exit 130' INT
	trap 'bt_cleanup; trap - EXIT; exit 143' TERM
}
