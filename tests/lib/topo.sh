# shellcheck shell=bash disable=SC2034 # variables here are read by the sourcing script
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Hosts, VMs and tenants in network namespaces (tests/lib/netns.sh), the picture every end-to-end
# test, the demo and the bench draw from:
#
#             switch SW: bridge br0, one port per host (named after the host)
#        ____________________|____________________
#       |                    |                    |
#   HOST: ul PA/24       HOST: ul PA/24       ...                 underlay, MTU $TOPO_UL_MTU
#     vm-VM -- VM: eth0 CA/LEN, MAC 02:4e:56:00:00:NN, MTU of the VM
#
# and, for underlays in several physical subnets, routers: a namespace with IP forwarding and one
# leg (an address on a port of the switch) per switch it joins. Switches of one NET (a provider
# network: the switches a router joins) are one world: every host of a NET carries the subnets
# and the lookup records of every VM of the NET.
#
# A layout declares the world as data, then builds it (tests/e2e/topology.sh, routed.sh,
# tests/bench/bench_topo.sh):
#
#   topo_switch SW [NET]              an underlay switch, in provider network NET (default: SW)
#   topo_host HOST SW PA [VIA]        a host on SW, its underlay device ul with PA/24; with VIA,
#                                     a default route via VIA (a router's leg on SW)
#   topo_router R SW ADDR [SW ADDR]...  a router: leg r-SW with ADDR/24 on each SW, ip_forward 1
#   topo_tenant T VSID RDID PREFIX [GATEWAY]   one virtual subnet of a routing domain: its prefix
#                                     (A.B.C.D/LEN) and its gateway CA (default: nvctl's, the
#                                     prefix's first host); T names the subnet
#   topo_vm VM T HOST N [MTU [CA]]    a VM of subnet T on HOST: CA (default the prefix's address
#                                     + N, e.g. 10.0.0.N in 10.0.0.0/24), MAC 02:4e:56:00:00:NN
#                                     (so two tenants can reuse both), MTU (default $TOPO_VM_MTU)
#   topo_build SW                     namespaces and devices of SW, its hosts and its VMs
#   topo_build_router R               a router's namespace and legs (after the switches it joins)
#   topo_configure SW DELIVER [XDP_MODE]   every host of SW through nvctl (topo_configure_host)
#   topo_vm_default_route VM          the VM's default route via its gateway CA
#
# Settings, read by topo_build: TOPO_UL_MTU (1500), TOPO_VM_MTU (the underlay MTU minus NVGRE's 42
# bytes), and the underlay's receive and transmit settings TOPO_HOST_GRO, TOPO_SW_RX and
# TOPO_UL_QDISC (below, with what they change).
#
# Everything is named after its node (the SW, HOST, R or VM name) by netns.sh: namespaces, pin
# directories (one nvctl instance per host), all removed by its cleanup. nvctl runs in a host's
# namespace through nsenter (never `ip netns exec`, which hides the pins).
# Needs: NVCTL (path to nvctl), netns_init called.

TOPO_UL_MTU=${TOPO_UL_MTU:-1500}
TOPO_VM_MTU=${TOPO_VM_MTU:-$((TOPO_UL_MTU - 42))}
TOPO_SWITCHES="" TOPO_HOSTS="" TOPO_TENANTS="" TOPO_VM_LIST="" TOPO_ROUTERS=""
declare -A TOPO_PA=() TOPO_SW_OF=() TOPO_VSID=() TOPO_RDID=() TOPO_NET=() TOPO_VIA=()
declare -A TOPO_PREFIX=() TOPO_GW=() TOPO_ROUTER_LEGS=()
# TOPO_ATTACH[HOST]: more arguments of that host's dp attach (e.g. "ct-max 64"), one word each.
declare -A TOPO_ATTACH=()
declare -A TOPO_VM_T=() TOPO_VM_HOST=() TOPO_VM_N=() TOPO_VM_MTU_OF=() TOPO_VM_CA=()

topo_log() { printf '# %s\n' "$*" >&2; }

# ---- the layout: data ----
topo_switch() {
	TOPO_SWITCHES="${TOPO_SWITCHES:+$TOPO_SWITCHES }$1"
	TOPO_NET[$1]=${2:-$1}
}
topo_host() {
	TOPO_HOSTS="${TOPO_HOSTS:+$TOPO_HOSTS }$1"
	TOPO_SW_OF[$1]=$2
	TOPO_PA[$1]=$3
	TOPO_VIA[$1]=${4:-}
}
topo_router() {
	local r=$1
	shift
	[ $# -ge 2 ] && [ $(($# % 2)) = 0 ] || die "topo_router $r: SW ADDR pairs expected"
	TOPO_ROUTERS="${TOPO_ROUTERS:+$TOPO_ROUTERS }$r"
	TOPO_ROUTER_LEGS[$r]="$*"
}
topo_tenant() {
	[ -n "${4:-}" ] || die "topo_tenant $1: a prefix (A.B.C.D/LEN) is needed"
	topo_ip4_int "${4%/*}" >/dev/null || die "topo_tenant $1: bad prefix $4"
	TOPO_TENANTS="${TOPO_TENANTS:+$TOPO_TENANTS }$1"
	TOPO_VSID[$1]=$2
	TOPO_RDID[$1]=$3
	TOPO_PREFIX[$1]=$4
	TOPO_GW[$1]=${5:-}
}
topo_vm() {
	TOPO_VM_LIST="${TOPO_VM_LIST:+$TOPO_VM_LIST }$1"
	TOPO_VM_T[$1]=$2
	TOPO_VM_HOST[$1]=$3
	TOPO_VM_N[$1]=$4
	TOPO_VM_MTU_OF[$1]=${5:-$TOPO_VM_MTU}
	TOPO_VM_CA[$1]=${6:-$(topo_prefix_host "${TOPO_PREFIX[$2]}" "$4")}
}

# ---- IPv4 arithmetic ----
topo_ip4_int() { # A.B.C.D -> the number
	local IFS=. a b c d
	read -r a b c d <<<"$1"
	[[ "$a.$b.$c.$d" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
	echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
topo_int_ip4() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
# topo_prefix_host A.B.C.D/LEN N: the prefix's network address plus N.
topo_prefix_host() {
	local a len=${1#*/}
	a=$(topo_ip4_int "${1%/*}") || return 1
	topo_int_ip4 $(((a & (0xffffffff << (32 - len)) & 0xffffffff) + $2))
}

# ---- reading it ----
vm_tenant() { echo "${TOPO_VM_T[$1]}"; }
vm_host() { echo "${TOPO_VM_HOST[$1]}"; }
vm_ca() { echo "${TOPO_VM_CA[$1]}"; }
vm_mac() { printf '02:4e:56:00:00:%02x\n' "${TOPO_VM_N[$1]}"; }
vm_vsid() { echo "${TOPO_VSID[${TOPO_VM_T[$1]}]}"; }
vm_rdid() { echo "${TOPO_RDID[${TOPO_VM_T[$1]}]}"; }
vm_prefixlen() { echo "${TOPO_PREFIX[${TOPO_VM_T[$1]}]#*/}"; }
# The gateway CA of a subnet T (the layout's, else nvctl's default: the prefix's first host), its
# MAC (nvctl's default: 02:4e:56 and the 24 bits of the VSID).
tenant_gw() { echo "${TOPO_GW[$1]:-$(topo_prefix_host "${TOPO_PREFIX[$1]}" 1)}"; }
tenant_gw_mac() {
	local v=${TOPO_VSID[$1]}
	printf '02:4e:56:%02x:%02x:%02x\n' $((v >> 16 & 255)) $((v >> 8 & 255)) $((v & 255))
}
vm_gw() { tenant_gw "${TOPO_VM_T[$1]}"; }
vm_gw_mac() { tenant_gw_mac "${TOPO_VM_T[$1]}"; }
vm_port() { echo "vm-$1"; } # the host-side device of the VM's NIC
# topo_hosts [SW], topo_vms [SW]: the hosts, the VMs (of SW's hosts), in the order declared.
topo_hosts() {
	local h
	for h in $TOPO_HOSTS; do
		[ -z "${1:-}" ] || [ "${TOPO_SW_OF[$h]}" = "$1" ] && echo "$h"
	done
	return 0
}
topo_vms() {
	local vm
	for vm in $TOPO_VM_LIST; do
		[ -z "${1:-}" ] || [ "${TOPO_SW_OF[${TOPO_VM_HOST[$vm]}]}" = "$1" ] && echo "$vm"
	done
	return 0
}
# topo_net_vms NET: the VMs of every host on a switch of provider network NET.
topo_net_vms() {
	local vm
	for vm in $TOPO_VM_LIST; do
		[ "${TOPO_NET[${TOPO_SW_OF[${TOPO_VM_HOST[$vm]}]}]}" != "$1" ] || echo "$vm"
	done
	return 0
}
host_vms() {
	local vm
	for vm in $TOPO_VM_LIST; do
		[ "${TOPO_VM_HOST[$vm]}" != "$1" ] || echo "$vm"
	done
}
topo_ns() { ns_name "$1"; } # the namespace of a switch, host or VM
topo_pin_dir() { pin_dir "$1"; }

# nvctl_on HOST ARGS...: nvctl with the host's instance, inside the host's namespace.
nvctl_on() {
	local h=$1
	shift
	in_ns "$h" "$NVCTL" --pin-dir "/sys/fs/bpf/$NETNS_TAG-$RUN_ID-$h" "$@" # pin_dir, without a fork
}

# topo_prepare TOOL...: the checks before building anything (root, nvctl, the tools, bpffs),
# then TMP, and NVCTL becomes a private copy in it (the BPF objects are built into nvctl: a
# `make` relinking build/nvctl meanwhile cannot break a run, and dp reload loads the same objects).
topo_prepare() {
	need_root "$0 creates namespaces and loads BPF programs"
	need_built "$NVCTL"
	need_tools ip tc nsenter ethtool "$@"
	need_bpffs
	tmp_make
	NVCTL=$(own_copy "$NVCTL")
}

# ---- the underlay ----
# On every underlay veth end (the host's ul, its switch port), every layout alike:
#
# - tx off (DESIGN 12): a veth underlay passes CHECKSUM_PARTIAL skbs whose TCP checksum no NIC
#   has finished; XDP delivery then hands VMs bad checksums. Off, the test wire behaves like a
#   real one.
#
# - Receive (TOPO_HOST_GRO on the hosts' ul, TOPO_SW_RX on the switch ports; empty: veth's
#   default, GRO off, what the e2e suite runs with). The bench's settings, measured with tcp1
#   and nstat (tests/bench/vm2vm.sh's knobs BT_HOST_GRO and BT_SW):
#   - Hosts' ul: GRO on, as a real NIC has it. Without it (veth's default, the e2e topology's
#     setting), nvgre-xdp's TC delivery ran at ~3 Gbit/s against ~4 for XDP delivery: frames
#     passed up from XDP reach TC one segment at a time, and each decapsulated segment that TC
#     redirects into the VM's veth skips the VM-side NAPI/GRO (veth only queues an skb for GRO
#     when the sending device has no TSO) and lands in the backlog of whichever CPU ran TC. The VM
#     then took ~900,000 TCP segments in 3 s instead of ~35,000 GRO-merged ones (XDP delivery:
#     veth_xdp_xmit always goes through the VM's NAPI and GRO), out of order between the two
#     CPUs' backlogs (TCPOFOQueue ~10,000, SACK reordering at the sender). With GRO on ul the
#     kernel merges NVGRE (gre_gro_receive is built in) before TC, and TC delivery matches XDP
#     delivery (~4.1-4.4 Gbit/s, no OFO). VXLAN (UDP tunnel GRO) and routing (TCP GRO) get the
#     same.
#   - Switch ports (napi): NAPI, in order, frame by frame. A veth without NAPI (no XDP, GRO off)
#     hands a frame to netif_rx on the transmitting CPU, i.e. into that CPU's backlog; a TCP
#     sender transmits from both CPUs, so a flow can leave the switch out of order as no wire
#     does. GRO on a veth gives it its own NAPI (a ring per queue, drained in order), but full
#     GRO (gro) would also merge, unequally (TCP and NVGRE merge there, VXLAN does not: UDP
#     tunnel GRO needs the VXLAN socket, which lives on the hosts) and every merged frame is cut
#     up again in software on the way out (tx off): work no switch does. So GRO on with
#     gro_max_size below one frame. (Measured, the switch setting mattered far less than the
#     hosts' GRO: with the hosts' GRO on, TC and XDP delivery were equal with the switch ports
#     in any of the three modes.)
#
# - Transmit (TOPO_UL_QDISC; empty: veth's default noqueue). With noqueue, when the peer's NAPI
#   ring (256 frames) is full, veth_xmit drops, and TCP with 4 streams here lost ~150,000
#   segments in 3 s at the hosts' ul. With a qdisc the kernel's veth stops the queue instead
#   (backpressure, as a NIC's full tx ring does): retransmits fell to about a thousand. The
#   bench sets "pfifo limit 1000".
TOPO_HOST_GRO=${TOPO_HOST_GRO:-}
TOPO_SW_RX=${TOPO_SW_RX:-}
TOPO_UL_QDISC=${TOPO_UL_QDISC:-}

# topo_underlay NODE DEV: the settings above on one underlay veth end (NODE: a host or a switch).
topo_underlay() {
	local node=$1 dev=$2 gro=$TOPO_HOST_GRO
	in_ns "$node" ethtool -K "$dev" tx off >/dev/null || die "ethtool -K $dev tx off on $node"
	if [ -z "${TOPO_SW_OF[$node]:-}" ]; then # a switch
		case "$TOPO_SW_RX" in
		"") gro="" ;;
		napi | gro) gro=on ;;
		*) gro=off ;;
		esac
	fi
	if [ -n "$gro" ]; then
		in_ns "$node" ethtool -K "$dev" gro "$gro" >/dev/null || die "ethtool -K $dev gro $gro on $node"
	fi
	if [ -z "${TOPO_SW_OF[$node]:-}" ] && [ "$TOPO_SW_RX" = napi ]; then
		# skb_gro_receive merges only below gro_max_size: 1000 keeps every frame whole.
		ip -n "$(ns_name "$node")" link set "$dev" gro_max_size 1000 || die "gro_max_size on $dev"
	fi
	if [ -n "$TOPO_UL_QDISC" ]; then
		# shellcheck disable=SC2086 # the qdisc and its parameters, one word each
		in_ns "$node" tc qdisc replace dev "$dev" root $TOPO_UL_QDISC || die "qdisc on $dev on $node"
	fi
}

# ---- building ----
topo_add_switch() {
	local sw=$1 k
	ns_add "$sw"
	# A switch forwards frames; with br_netfilter in the kernel the bridge would validate IPv4
	# headers (and drop the bad NVGRE the tests send on purpose) before they reach a host.
	if in_ns "$sw" test -d /proc/sys/net/bridge; then
		for k in iptables ip6tables arptables; do
			ns_sysctl "$sw" "net/bridge/bridge-nf-call-$k" 0
		done
	fi
	ip -n "$(ns_name "$sw")" link add br0 type bridge || die "bridge in $sw"
	ip -n "$(ns_name "$sw")" link set br0 up
}

topo_add_host() {
	local h=$1 sw ns swns
	sw=${TOPO_SW_OF[$h]}
	ns=$(ns_name "$h")
	swns=$(ns_name "$sw")
	ns_add "$h"
	# Made directly in the two namespaces: the root namespace never sees the names.
	ip -n "$ns" link add ul mtu "$TOPO_UL_MTU" type veth peer name "$h" netns "$swns" \
		mtu "$TOPO_UL_MTU" || die "$h: underlay veth"
	ip -n "$swns" link set "$h" master br0 up
	ip -n "$ns" addr add "${TOPO_PA[$h]}/24" dev ul
	topo_underlay "$h" ul
	topo_underlay "$sw" "$h"
	ip -n "$ns" link set ul up
	if [ -n "${TOPO_VIA[$h]}" ]; then
		ip -n "$ns" route add default via "${TOPO_VIA[$h]}" dev ul || die "$h: default route"
	fi
}

# topo_build_router R: its namespace, IP forwarding, and per switch a veth: r-SW (ADDR/24) in R,
# port R on the switch's bridge. The underlay settings of topo_underlay on the switch's end; tx
# off on the router's (as on every underlay veth).
topo_build_router() {
	local r=$1 ns sw addr legs
	ns=$(ns_name "$r")
	ns_add "$r"
	ns_sysctl "$r" net/ipv4/ip_forward 1
	read -r -a legs <<<"${TOPO_ROUTER_LEGS[$r]}"
	set -- "${legs[@]}"
	while [ $# -ge 2 ]; do
		sw=$1 addr=$2
		shift 2
		ip -n "$ns" link add "r-$sw" mtu "$TOPO_UL_MTU" type veth peer name "$r" \
			netns "$(ns_name "$sw")" mtu "$TOPO_UL_MTU" || die "$r: veth to $sw"
		ip -n "$(ns_name "$sw")" link set "$r" master br0 up
		ip -n "$ns" addr add "$addr/24" dev "r-$sw"
		in_ns "$r" ethtool -K "r-$sw" tx off >/dev/null || die "ethtool -K r-$sw tx off on $r"
		topo_underlay "$sw" "$r"
		ip -n "$ns" link set "r-$sw" up
	done
}

topo_add_vm() {
	local vm=$1 ns vmns mtu
	ns=$(ns_name "$(vm_host "$vm")")
	vmns=$(ns_name "$vm")
	mtu=${TOPO_VM_MTU_OF[$vm]}
	ns_add "$vm"
	ip -n "$ns" link add "$(vm_port "$vm")" mtu "$mtu" type veth peer name eth0 \
		netns "$vmns" mtu "$mtu" address "$(vm_mac "$vm")" || die "$vm: veth"
	ip -n "$vmns" addr add "$(vm_ca "$vm")/$(vm_prefixlen "$vm")" dev eth0
	# XDP redirect into a veth needs GRO (NAPI) on the receiving end (DESIGN 12); every VM gets
	# the same NIC.
	in_ns "$vm" ethtool -K eth0 gro on >/dev/null
	ip -n "$vmns" link set eth0 up
	ip -n "$ns" link set "$(vm_port "$vm")" up
}

topo_vm_default_route() {
	ip -n "$(ns_name "$1")" route add default via "$(vm_gw "$1")" dev eth0 ||
		die "$1: default route via $(vm_gw "$1")"
}

# topo_build SW: the switch, its hosts, their VMs.
topo_build() {
	local h vm
	topo_add_switch "$1"
	for h in $(topo_hosts "$1"); do
		topo_add_host "$h"
	done
	for vm in $(topo_vms "$1"); do
		topo_add_vm "$vm"
	done
}

# ---- the datapath, through nvctl only ----
# topo_subnet_args T: the arguments of nvctl subnet add for subnet T.
topo_subnet_args() {
	echo "vsid ${TOPO_VSID[$1]} rdid ${TOPO_RDID[$1]} prefix ${TOPO_PREFIX[$1]}${TOPO_GW[$1]:+ gateway ${TOPO_GW[$1]}}"
}

# topo_configure_host HOST DELIVER [XDP_MODE]: attach with xdp-mode XDP_MODE (default native:
# the default, auto, would leave XDP out on these veth underlays, and the tests exercise both
# stages; "auto" passes none), the subnets of the tenants in HOST's provider network (its
# switch's NET), the full lookup table of that network (the same on every host), then the ports
# of the host's VMs.
topo_configure_host() {
	local h=$1 deliver=$2 xdp=() t vm net tenants="" args extra=()
	case "${3:-native}" in
	auto) ;;
	*) xdp=(xdp-mode "${3:-native}") ;;
	esac
	[ -z "${TOPO_ATTACH[$h]:-}" ] || read -r -a extra <<<"${TOPO_ATTACH[$h]}"
	net=${TOPO_NET[${TOPO_SW_OF[$h]}]}
	[ ! -e "$(pin_dir "$h")" ] || die "$(pin_dir "$h") exists: not ours"
	pin_own "$(pin_dir "$h")" "$h" # from here on the pin dir is ours, even if the attach fails
	nvctl_on "$h" dp attach dev ul pa "${TOPO_PA[$h]}" "${xdp[@]}" "${extra[@]}" ||
		die "$h: nvctl dp attach failed"
	for vm in $(topo_net_vms "$net"); do
		case " $tenants " in *" $(vm_tenant "$vm") "*) ;; *) tenants="$tenants $(vm_tenant "$vm")" ;; esac
	done
	for t in $TOPO_TENANTS; do
		case " $tenants " in *" $t "*) ;; *) continue ;; esac
		read -r -a args <<<"$(topo_subnet_args "$t")"
		nvctl_on "$h" subnet add "${args[@]}" || die "$h: nvctl subnet add ${args[*]} failed"
	done
	for vm in $(topo_net_vms "$net"); do
		nvctl_on "$h" record add vsid "$(vm_vsid "$vm")" ca "$(vm_ca "$vm")" \
			mac "$(vm_mac "$vm")" pa "${TOPO_PA[$(vm_host "$vm")]}" ||
			die "$h: nvctl record add failed"
	done
	for vm in $(host_vms "$h"); do
		topo_port_add "$vm" "$deliver" || die "$h: nvctl port add failed"
	done
}

topo_configure() {
	local h
	for h in $(topo_hosts "$1"); do
		topo_configure_host "$h" "${@:2}"
	done
}

topo_port_add() {
	local vm=$1 deliver=$2
	nvctl_on "$(vm_host "$vm")" port add dev "$(vm_port "$vm")" vsid "$(vm_vsid "$vm")" \
		ca "$(vm_ca "$vm")" mac "$(vm_mac "$vm")" deliver "$deliver"
}

# topo_set_deliver DELIVER [SW]: re-add every port (of SW) with another delivery mode.
topo_set_deliver() {
	local vm
	for vm in $(topo_vms "${2:-}"); do
		nvctl_on "$(vm_host "$vm")" port del dev "$(vm_port "$vm")" || return 1
		topo_port_add "$vm" "$1" || return 1
	done
	TOPO_DELIVER=$1
}

# ---- iperf3 between two VMs ----
# iperf_serve VM [PORT]: a one-shot iperf3 server on the VM's CA, in the background (IPERF_SRV is
# iperf3's pid), once it listens. iperf_client FROM TO SECS JSON ARGS...: the client in the
# background (IPERF_CLI), its JSON into JSON, ended after SECS + 18 s whatever happens.
# iperf_reap: waits for the client, ends the server (still there when the client never
# connected). Not in a subshell: the pids are the cleanup's. The client is waited for, not run
# in the foreground, so that INT and TERM reach the trap at once (bash defers traps while a
# foreground child runs, and iperf3 exits normally on SIGINT, which bash then takes as handled).
iperf_serve() {
	local vm=$1 port=${2:-5201} i
	bg_in_ns "$vm" iperf3 -s -1 -B "$(vm_ca "$vm")" -p "$port" >/dev/null 2>&1
	IPERF_SRV=$BG_PID
	IPERF_PORT=$port
	for i in $(seq 100); do
		in_ns "$vm" ss -Hltn "sport = :$port" | grep -q . && break
		[ "$i" = 100 ] || sleep 0.02
	done
}

iperf_client() {
	local from=$1 to=$2 secs=$3 json=$4
	shift 4
	bg_in_ns "$from" timeout $((secs + 18)) iperf3 -c "$(vm_ca "$to")" -p "$IPERF_PORT" \
		-t "$secs" "$@" -J >"$json" 2>&1
	IPERF_CLI=$BG_PID
}

iperf_reap() {
	wait "$IPERF_CLI" || true
	bg_forget "$IPERF_CLI"
	bg_stop "$IPERF_SRV"
}
