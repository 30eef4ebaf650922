# shellcheck shell=bash disable=SC2034 # variables here are read by the sourcing script
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The end-to-end layout (tests/lib/topo.sh draws it), sourced by tests/e2e/e2e.sh and demo.sh.
# Three hosts joined by a veth underlay through a bridge in a switch namespace, VMs on the hosts,
# two tenants that reuse the same CAs and the same MACs:
#
#             switch ns: bridge br0 (ports h1 h2 h3)
#        ____________________|____________________
#       |                    |                    |
#   h1: ul 192.0.2.1     h2: ul 192.0.2.2     h3: ul 192.0.2.3     underlay, MTU 1500
#     vm-a1  A 10.0.0.1    vm-a2  A 10.0.0.2    vm-b4  B 10.0.0.4
#     vm-a3  A 10.0.0.3    vm-b2  B 10.0.0.2
#     vm-b1  B 10.0.0.1    vm-b3  B 10.0.0.3
#
#   tenant A: vsid 5001, rdid 1      tenant B: vsid 6001, rdid 2      both 10.0.0.0/24, gateway
#   10.0.0.254 (its MAC nvctl's default, 02:4e:56 + the VSID: no VM uses either)
#   10.0.0.N has MAC 02:4e:56:00:00:0N in both tenants; VM eth0 MTU 1458 (1500 - 42)
#
# Same host: A .1-.3 on h1, B .2-.3 on h2. Across hosts: A .1-.2 (h1-h2), B .1-.2 (h1-h2), B .1-.4
# (h1-h3). Only tenant B has 10.0.0.3 on h2 and 10.0.0.4. The underlay keeps veth's defaults
# (GRO off) but for tx off; see topo.sh.
#
# Every name carries the run's id (E2E_ID when set), so a leftover of a killed run never breaks the
# next one; the cleanup of netns.sh (on EXIT, INT and TERM) removes every namespace, process and
# pin directory the run made, and the temporary directory unless E2E_KEEP=1 (captures, counters).
# Needs: NVCTL (path to nvctl).

# shellcheck source=tests/lib/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/topo.sh"

netns_init nvgre-e2e "${E2E_ID:-}"
NETNS_KEEP=${E2E_KEEP:-0}

TOPO_UL_MTU=1500
TOPO_VM_MTU=1458 # the underlay MTU minus NVGRE's 42 bytes
topo_switch sw
topo_host h1 sw 192.0.2.1
topo_host h2 sw 192.0.2.2
topo_host h3 sw 192.0.2.3
topo_tenant A 5001 1 10.0.0.0/24 10.0.0.254
topo_tenant B 6001 2 10.0.0.0/24 10.0.0.254
# VM  tenant  host  N (its CA is 10.0.0.N, its MAC 02:4e:56:00:00:0N)
while read -r vm t h n; do
	topo_vm "$vm" "$t" "$h" "$n"
done <<'EOF'
a1 A h1 1
a2 A h2 2
a3 A h1 3
b1 B h1 1
b2 B h2 2
b3 B h2 3
b4 B h3 4
EOF
TOPO_DELIVER="" # the delivery mode of every port: xdp or tc

# topo_up DELIVER: build and configure everything.
topo_up() {
	topo_prepare ss ping iperf3 tshark dumpcap timeout
	/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
		die "/usr/bin/python3 with scapy is needed (python3-scapy)"
	topo_build sw
	topo_configure sw "$1"
	TOPO_DELIVER=$1
}
