# shellcheck shell=bash disable=SC2034 # variables here are read by the sourcing script
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end topology, sourced by tests/e2e/e2e.sh (bash). Three hosts (network namespaces) joined
# by a veth underlay through a bridge in a switch namespace, VMs (namespaces) on the hosts, two
# tenants that reuse the same CAs and the same MACs:
#
#             switch ns: bridge br0 (ports h1 h2 h3)
#        ____________________|____________________
#       |                    |                    |
#   h1: ul 192.0.2.1     h2: ul 192.0.2.2     h3: ul 192.0.2.3     underlay, MTU 1500
#     vm-a1  A 10.0.0.1    vm-a2  A 10.0.0.2    vm-b4  B 10.0.0.4
#     vm-a3  A 10.0.0.3    vm-b2  B 10.0.0.2
#     vm-b1  B 10.0.0.1    vm-b3  B 10.0.0.3
#
#   tenant A: vsid 5001, rdid 1      tenant B: vsid 6001, rdid 2
#   10.0.0.N has MAC 02:4e:56:00:00:0N in both tenants; VM eth0 MTU 1458 (1500 - 42)
#
# Same host: A .1-.3 on h1, B .2-.3 on h2. Across hosts: A .1-.2 (h1-h2), B .1-.2 (h1-h2), B .1-.4
# (h1-h3). Only tenant B has 10.0.0.3 on h2 and 10.0.0.4.
#
# Everything is configured through nvctl run in the host's namespace with nsenter (ip netns exec
# remounts /sys and hides the pins in /sys/fs/bpf). Every name carries a per-run suffix ($E2E_ID),
# so a leftover of a killed run never breaks the next one; topo_cleanup (installed on EXIT, INT and
# TERM by topo_trap) removes every namespace, veth and pin directory the run made.
#
# Needs: NVCTL (path to nvctl). Optional: E2E_ID (the suffix), E2E_KEEP=1 (keep the temporary
# directory with captures and counters).

E2E_ID=${E2E_ID:-$(printf '%04x%04x' $(($$ & 0xffff)) $((RANDOM & 0xffff)))}
E2E_TMP=${E2E_TMP:-}

TOPO_HOSTS="h1 h2 h3"
TOPO_SW="nve-$E2E_ID-sw"
TOPO_UL_MTU=1500
TOPO_VM_MTU=1458 # the underlay MTU minus NVGRE's 42 bytes

# VM  tenant  host  N (its CA is 10.0.0.N, its MAC 02:4e:56:00:00:0N)
TOPO_VMS="a1 A h1 1
a2 A h2 2
a3 A h1 3
b1 B h1 1
b2 B h2 2
b3 B h2 3
b4 B h3 4"

declare -A TOPO_VSID=([A]=5001 [B]=6001)
declare -A TOPO_RDID=([A]=1 [B]=2)
declare -A TOPO_PA=([h1]=192.0.2.1 [h2]=192.0.2.2 [h3]=192.0.2.3)

TOPO_NAMESPACES=() # made by this run, deleted by topo_cleanup
TOPO_ATTACHED=()   # hosts with a datapath attached (detached by topo_cleanup)
TOPO_PIDS=()       # background processes to end at cleanup (by pid)
TOPO_UP=0
TOPO_DELIVER=""    # the delivery mode of every port: xdp or tc

topo_log() { printf '# %s\n' "$*"; }

topo_die() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# Namespace of a host (h1..h3), of a VM (a1..b4), or the switch (sw).
topo_ns() {
	case "$1" in
	sw) echo "$TOPO_SW" ;;
	*) echo "nve-$E2E_ID-$1" ;;
	esac
}

# in_ns NODE CMD...: run CMD in the network namespace of NODE (host, VM or sw), nothing else.
in_ns() {
	local ns
	ns=$(topo_ns "$1")
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

topo_pin_dir() { echo "/sys/fs/bpf/nvgre-e2e-$E2E_ID-$1"; }

# nvctl_on HOST ARGS...: nvctl with the host's instance, inside the host's namespace.
nvctl_on() {
	local h=$1
	shift
	in_ns "$h" "$NVCTL" --pin-dir "$(topo_pin_dir "$h")" "$@"
}

# vm_field VM tenant|host|n: a column of TOPO_VMS (a1 tenant -> A, a1 host -> h1, a1 n -> 1).
vm_field() {
	local vm t h n
	while read -r vm t h n; do
		if [ "$vm" = "$1" ]; then
			case "$2" in
			tenant) echo "$t" ;;
			host) echo "$h" ;;
			n) echo "$n" ;;
			esac
			return 0
		fi
	done <<<"$TOPO_VMS"
	return 1
}
vm_tenant() { vm_field "$1" tenant; }
vm_host() { vm_field "$1" host; }
vm_ca() { echo "10.0.0.$(vm_field "$1" n)"; }
vm_mac() { printf '02:4e:56:00:00:%02x\n' "$(vm_field "$1" n)"; }
vm_vsid() { echo "${TOPO_VSID[$(vm_tenant "$1")]}"; }
vm_port() { echo "vm-$1"; } # the host-side device of the VM's NIC
topo_vms() { cut -d' ' -f1 <<<"$TOPO_VMS"; }
host_vms() { awk -v h="$1" '$3 == h { print $1 }' <<<"$TOPO_VMS"; }

# ns_sysctl NODE KEY VALUE: /proc/sys/net is the reading process's namespace's (no procps needed).
ns_sysctl() { in_ns "$1" tee "/proc/sys/$2" <<<"$3" >/dev/null; }

# A namespace with IPv6 off (no ND/MLD chatter from anything made in it) and lo up.
topo_add_ns() {
	local ns
	ns=$(topo_ns "$1")
	ip netns add "$ns" || topo_die "ip netns add $ns"
	TOPO_NAMESPACES+=("$ns")
	ns_sysctl "$1" net/ipv6/conf/all/disable_ipv6 1
	ns_sysctl "$1" net/ipv6/conf/default/disable_ipv6 1
	ip -n "$ns" link set lo up
}

topo_add_host() {
	local h=$1 ns sw
	ns=$(topo_ns "$h")
	sw=$(topo_ns sw)
	topo_add_ns "$h"
	# Made directly in the two namespaces: the root namespace never sees the names.
	ip -n "$ns" link add ul mtu "$TOPO_UL_MTU" type veth peer name "$h" netns "$sw" mtu "$TOPO_UL_MTU"
	ip -n "$sw" link set "$h" master br0 up
	ip -n "$ns" addr add "${TOPO_PA[$h]}/24" dev ul
	# DESIGN 7: a veth underlay must finish checksums like a real wire does.
	in_ns "$h" ethtool -K ul tx off >/dev/null
	in_ns sw ethtool -K "$h" tx off >/dev/null
	ip -n "$ns" link set ul up
}

topo_add_vm() {
	local vm=$1 h ns vmns
	h=$(vm_host "$vm")
	ns=$(topo_ns "$h")
	vmns=$(topo_ns "$vm")
	topo_add_ns "$vm"
	ip -n "$ns" link add "$(vm_port "$vm")" mtu "$TOPO_VM_MTU" type veth peer name eth0 \
		netns "$vmns" mtu "$TOPO_VM_MTU" address "$(vm_mac "$vm")"
	ip -n "$vmns" addr add "$(vm_ca "$vm")/24" dev eth0
	# DESIGN 7: XDP redirect into a veth needs GRO (NAPI) on the receiving end.
	in_ns "$vm" ethtool -K eth0 gro on >/dev/null
	ip -n "$vmns" link set eth0 up
	ip -n "$ns" link set "$(vm_port "$vm")" up
}

# The datapath of one host, configured through nvctl only: attach (with xdp-mode XDP_MODE when
# given), subnets, the full lookup table (the same on every host), then the ports of the host's
# VMs. topo_configure_host HOST DELIVER [XDP_MODE]
topo_configure_host() {
	local h=$1 deliver=$2 xdp=() t vm
	[ -z "${3:-}" ] || xdp=(xdp-mode "$3")
	[ ! -e "$(topo_pin_dir "$h")" ] || topo_die "$(topo_pin_dir "$h") exists: not ours"
	TOPO_ATTACHED+=("$h") # from here on the pin dir is ours, even if the attach fails
	nvctl_on "$h" dp attach dev ul pa "${TOPO_PA[$h]}" "${xdp[@]}" ||
		topo_die "$h: nvctl dp attach failed"
	for t in A B; do
		nvctl_on "$h" subnet add vsid "${TOPO_VSID[$t]}" rdid "${TOPO_RDID[$t]}" ||
			topo_die "$h: nvctl subnet add failed"
	done
	for vm in $(topo_vms); do
		nvctl_on "$h" record add vsid "$(vm_vsid "$vm")" ca "$(vm_ca "$vm")" \
			mac "$(vm_mac "$vm")" pa "${TOPO_PA[$(vm_host "$vm")]}" ||
			topo_die "$h: nvctl record add failed"
	done
	for vm in $(host_vms "$h"); do
		topo_port_add "$vm" "$deliver" || topo_die "$h: nvctl port add failed"
	done
}

topo_port_add() {
	local vm=$1 deliver=$2
	nvctl_on "$(vm_host "$vm")" port add dev "$(vm_port "$vm")" vsid "$(vm_vsid "$vm")" \
		ca "$(vm_ca "$vm")" mac "$(vm_mac "$vm")" deliver "$deliver"
}

# Re-add every port with another delivery mode (xdp or tc).
topo_set_deliver() {
	local vm h
	for vm in $(topo_vms); do
		h=$(vm_host "$vm")
		nvctl_on "$h" port del dev "$(vm_port "$vm")" || return 1
		topo_port_add "$vm" "$1" || return 1
	done
	TOPO_DELIVER=$1
}

# topo_up DELIVER: build and configure everything.
topo_up() {
	local h vm tool k
	[ "$(id -u)" -eq 0 ] || topo_die "the end-to-end tests need root"
	[ -x "$NVCTL" ] || topo_die "$NVCTL is not built (run make)"
	for tool in ip tc ss nsenter ethtool ping iperf3 tshark dumpcap timeout; do
		command -v "$tool" >/dev/null 2>&1 || topo_die "$tool is needed (.ci/install-deps.sh)"
	done
	/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
		topo_die "/usr/bin/python3 with scapy is needed (python3-scapy)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	E2E_TMP=$(mktemp -d "/tmp/nvgre-e2e-$E2E_ID.XXXXXX")
	TOPO_UP=1
	# The run uses its own copy (the BPF objects are built into it): a `make` relinking
	# build/nvctl meanwhile cannot break a run, and dp reload loads the same objects.
	cp "$NVCTL" "$E2E_TMP/nvctl"
	NVCTL="$E2E_TMP/nvctl"
	topo_add_ns sw
	# A switch forwards frames; with br_netfilter in the kernel the bridge would validate IPv4
	# headers (and drop the bad NVGRE the tests send on purpose) before they reach a host.
	if in_ns sw test -d /proc/sys/net/bridge; then
		for k in iptables ip6tables arptables; do
			ns_sysctl sw "net/bridge/bridge-nf-call-$k" 0
		done
	fi
	ip -n "$TOPO_SW" link add br0 type bridge
	ip -n "$TOPO_SW" link set br0 up
	for h in $TOPO_HOSTS; do
		topo_add_host "$h"
	done
	for vm in $(topo_vms); do
		topo_add_vm "$vm"
	done
	for h in $TOPO_HOSTS; do
		topo_configure_host "$h" "$1"
	done
	TOPO_DELIVER=$1
}

# Remember a background process to end at cleanup.
topo_bg_pid() { TOPO_PIDS+=("$1"); }

# Idempotent; safe at any stage of topo_up, and after the tests detached everything.
topo_cleanup() {
	local pid h ns i
	[ "$TOPO_UP" = 1 ] || return 0
	TOPO_UP=0
	for pid in "${TOPO_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${TOPO_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for h in "${TOPO_ATTACHED[@]}"; do
		if [ -e "$(topo_pin_dir "$h")" ]; then
			nvctl_on "$h" dp detach >/dev/null 2>&1 || true
		fi
	done
	for ((i = ${#TOPO_NAMESPACES[@]} - 1; i >= 0; i--)); do
		ns=${TOPO_NAMESPACES[$i]}
		ip netns del "$ns" 2>/dev/null || true
	done
	for h in "${TOPO_ATTACHED[@]}"; do
		rm -rf "$(topo_pin_dir "$h")"
	done
	if [ -n "$E2E_TMP" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			topo_log "kept captures, counters and iperf3 output in $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	return 0
}

topo_trap() {
	trap 'topo_cleanup' EXIT
	trap 'topo_cleanup; trap - EXIT; exit 130' INT
	trap 'topo_cleanup; trap - EXIT; exit 143' TERM
}
