#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end test of the distributed router (issue 11, DESIGN section 7): real traffic between VMs
# in different virtual subnets of one routing domain, routed by the sending host, over an underlay
# that itself crosses an IP router. Everything is configured with nvctl. Prints "ok N - name" /
# "not ok N - name" (diagnostics on "#   " lines), then "P passed, F failed" (tests/lib/tap.sh).
#
#        sw1 (bridge: h1 h2 rt)                         sw2 (bridge: h3 rt)
#     ____________|_______________                  __________|__________
#    |            |               |                |                     |
#   h1 192.0.2.1  h2 192.0.2.2   rt r-sw1 192.0.2.254 -- r-sw2 198.51.100.254   h3 198.51.100.3
#                                 (ip_forward 1; the hosts' default route)
#
#   tenant A, rdid 1: vsid 5001 10.1.1.0/24, 5002 10.1.2.0/24, 5003 10.1.3.0/24 (gateways .1)
#   tenant B, rdid 2: vsid 6001, 6002, 6003: the same prefixes, CAs and MACs
#   h1: a11 (5001 .11), a22 (5002 .22), b11 (6001 .11)
#   h2: a13 (5001 .13), a34 (5003 .34), b22 (6002 .22: A's 10.1.2.22 is a22 on h1)
#   h3: a25 (5002 .25), a36 (5003 .36), b36 (6003 .36), b37 (6003 .37: a CA only B has)
#   VM N: CA 10.1.X.N, MAC 02:4e:56:00:00:NN (hex) in both tenants; default route via 10.1.X.1;
#   gateway MAC nvctl's default, 02:4e:56 and the VSID's 24 bits.
#
# Every host gets every subnet and the whole lookup table (topo.sh: the switches share one provider
# network, "pn"). Names carry the run's id (E2E_ID when set); the cleanup of netns.sh (EXIT, INT,
# TERM) removes every namespace, process and pin directory, and the temporary directory unless
# E2E_KEEP=1 (captures, counters).
#
# Usage: tests/e2e/routed.sh [BUILD_DIR]   (default: build; as root). Run by tests/run-tests.sh.
# A failure in the datapath, the loader or nvctl makes a test fail: the tests never work around it.
set -euo pipefail
export LC_ALL=C

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NVCTL=$(realpath -m "${1:-build}/nvctl")
# shellcheck source=tests/lib/tap.sh
source "$E2E_DIR/../lib/tap.sh"
# shellcheck source=tests/lib/netns.sh
source "$E2E_DIR/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
source "$E2E_DIR/../lib/topo.sh"
# shellcheck source=tests/e2e/e2e_lib.sh
source "$E2E_DIR/e2e_lib.sh"

netns_init nvgre-rt "${E2E_ID:-}"
NETNS_KEEP=${E2E_KEEP:-0}

TOPO_UL_MTU=1500
TOPO_VM_MTU=1458
topo_switch sw1 pn
topo_switch sw2 pn
topo_router rt sw1 192.0.2.254 sw2 198.51.100.254
topo_host h1 sw1 192.0.2.1 192.0.2.254
topo_host h2 sw1 192.0.2.2 192.0.2.254
topo_host h3 sw2 198.51.100.3 198.51.100.254
# Subnet names: tenant letter and the third octet of the prefix.
for x in 1 2 3; do
	topo_tenant "A$x" "500$x" 1 "10.1.$x.0/24"
	topo_tenant "B$x" "600$x" 2 "10.1.$x.0/24"
done
# VM  subnet  host  N (CA 10.1.X.N)
while read -r vm t h n; do
	topo_vm "$vm" "$t" "$h" "$n"
done <<'EOF'
a11 A1 h1 11
a22 A2 h1 22
b11 B1 h1 11
a13 A1 h2 13
a34 A3 h2 34
b22 B2 h2 22
a25 A2 h3 25
a36 A3 h3 36
b36 B3 h3 36
b37 B3 h3 37
EOF
TOPO_DELIVER=""
ALL_VMS=$(topo_vms | xargs)
ALL_HOSTS="h1 h2 h3"

vm_tenant_of() { local t; t=$(vm_tenant "$1"); echo "${t:0:1}"; } # A or B
vm_pattern() { [ "$(vm_tenant_of "$1")" = A ] && echo a5a5a5a5 || echo b6b6b6b6; }
same_subnet() { [ "$(vm_tenant "$1")" = "$(vm_tenant "$2")" ]; }

# ---------------------------------------------------------------------------------------------
# Helpers

# ping_out FROM DST COUNT [PING ARGS]: ping's whole output (it fails when nothing answers).
ping_out() {
	local from=$1 dst=$2 count=$3
	shift 3
	in_ns "$from" ping -n -c "$count" -i 0.05 -W 1 "$@" "$dst" 2>&1 || true
}

# The TTLs of the echo replies in ping's output, sorted, unique.
reply_ttls() { sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' <<<"$1" | sort -u | xargs; }

# snap_all PATH: every host's counters into PATH-HOST.json.
snap_all() {
	local h
	for h in $ALL_HOSTS; do
		stats_snap "$h" "$1-$h.json"
	done
}

# nvctl on every host (the same policy everywhere, as orchestration pushes it).
nvctl_all() {
	local h rc=0
	for h in $ALL_HOSTS; do
		nvctl_on "$h" "$@" || rc=$?
	done
	return $rc
}

# tshark fields of a capture, one line per frame: every occurrence of a field, comma-separated
# (outer, then inner header), or the first one only when CAP_OCC=f.
cap_fields() {
	local f=$1 filter=$2
	shift 2
	local args=() e
	for e in "$@"; do
		args+=(-e "$e")
	done
	tshark -r "$f" -Y "$filter" -T fields -E "occurrence=${CAP_OCC:-a}" -E aggregator=, "${args[@]}" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# 1. the world

topo_up() {
	local vm
	topo_prepare ss ping iperf3 tshark dumpcap timeout traceroute
	topo_build sw1
	topo_build sw2
	topo_build_router rt
	topo_configure sw1 "$1"
	topo_configure sw2 "$1"
	for vm in $ALL_VMS; do
		topo_vm_default_route "$vm"
	done
	TOPO_DELIVER=$1
}

# The underlay crosses rt: h1's route to h3's PA goes via 192.0.2.254, h3's reply to h1's ping
# arrives with one hop taken off its TTL.
t_underlay() {
	local via out
	via=$(in_ns h1 ip -4 route get "${TOPO_PA[h3]}" | sed -n 's/.* via \([0-9.]*\) .*/\1/p')
	expect_eq "h1's next hop to ${TOPO_PA[h3]}" 192.0.2.254 "$via"
	via=$(in_ns h3 ip -4 route get "${TOPO_PA[h1]}" | sed -n 's/.* via \([0-9.]*\) .*/\1/p')
	expect_eq "h3's next hop to ${TOPO_PA[h1]}" 198.51.100.254 "$via"
	out=$(in_ns h1 ping -n -c 2 -i 0.2 -W 1 "${TOPO_PA[h3]}" 2>&1 || true)
	expect_eq "TTLs of h3's echo replies to h1 (through rt)" 63 "$(reply_ttls "$out")"
	out=$(in_ns h1 ping -n -c 2 -i 0.2 -W 1 "${TOPO_PA[h2]}" 2>&1 || true)
	expect_eq "TTLs of h2's echo replies to h1 (one physical subnet)" 64 "$(reply_ttls "$out")"
}

# subnet show: six subnets on every host, each with its prefix, the gateway .1 and the gateway
# MAC derived from the VSID.
t_subnets() {
	local h want got
	want=$(for t in A1 A2 A3 B1 B2 B3; do
		echo "${TOPO_VSID[$t]} ${TOPO_RDID[$t]} ${TOPO_PREFIX[$t]} $(tenant_gw "$t") $(tenant_gw_mac "$t")"
	done | sort | xargs)
	for h in $ALL_HOSTS; do
		got=$(nvctl_on "$h" -j subnet show | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict):
    d = next(v for v in d.values() if isinstance(v, list))
for s in d:
    print(s["vsid"], s["rdid"], s["prefix"], s["gateway"], s["gateway_mac"])' 2>&1 | sort | xargs)
		expect_eq "subnets on $h" "$want" "$got"
	done
}

# ---------------------------------------------------------------------------------------------
# 2. ping and iperf3 across subnets

# FROM TO what: routed unless the two share a subnet (then bridged, for comparison).
PING_PAIRS="a11 a22 routed 5001 -> 5002 on one host h1
a11 a34 routed 5001 -> 5003 across hosts h1-h2 (one physical subnet)
a11 a25 routed 5001 -> 5002 across the router h1-h3
a25 a13 routed 5002 -> 5001 across the router h3-h2
a36 a22 routed 5003 -> 5002 across the router h3-h1
a34 a36 bridged 5003 across the router h2-h3
a11 a13 bridged 5001 across hosts h1-h2
b11 b22 routed 6001 -> 6002 across hosts h1-h2
b11 b36 routed 6001 -> 6003 across the router h1-h3
b37 b22 routed 6003 -> 6002 across the router h3-h2"

# ping FROM -> TO: 3 replies; a routed reply has lost one hop (TTL 63: the router of TO's host
# routed it), a bridged one none; FROM's neighbour entry for its gateway is the gateway MAC
# (answered ARP), and for a bridged peer its MAC; no drop anywhere.
t_ping() {
	local from=$1 to=$2 out got ttl mac b=$TMP/ping-$1-$2-$TOPO_DELIVER h
	flush_neigh "$from" "$to"
	snap_all "$b-before"
	out=$(ping_out "$from" "$(vm_ca "$to")" 3)
	snap_all "$b-after"
	got=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | head -n1)
	expect_eq "echo replies $(vm_ca "$from") -> $(vm_ca "$to") (tenant $(vm_tenant_of "$from"))" 3 "${got:-0}"
	ttl=64
	same_subnet "$from" "$to" || ttl=63
	expect_eq "TTL of the echo replies" "$ttl" "$(reply_ttls "$out")"
	if same_subnet "$from" "$to"; then
		mac=$(ip -n "$(topo_ns "$from")" neigh show "$(vm_ca "$to")" dev eth0 | awk '{ print $3 }')
		expect_eq "$from's neighbour entry for $(vm_ca "$to")" "$(vm_mac "$to")" "$mac"
	else
		mac=$(ip -n "$(topo_ns "$from")" neigh show "$(vm_gw "$from")" dev eth0 | awk '{ print $3 }')
		expect_eq "$from's neighbour entry for its gateway $(vm_gw "$from")" "$(vm_gw_mac "$from")" "$mac"
		mac=$(ip -n "$(topo_ns "$to")" neigh show "$(vm_gw "$to")" dev eth0 | awk '{ print $3 }')
		expect_eq "$to's neighbour entry for its gateway $(vm_gw "$to")" "$(vm_gw_mac "$to")" "$mac"
	fi
	for h in $ALL_HOSTS; do
		expect_eq "drops on $h" "" "$(oneline "$(drops_delta "$b-before-$h.json" "$b-after-$h.json")")"
	done
}

# A routed frame as the destination VM receives it: source MAC its subnet's gateway MAC,
# destination MAC its own, TTL one less.
t_routed_frame() {
	local from=$1 to=$2 f="$TMP/frame-$1-$2.pcapng" n bad
	cap_start "$to" "$f" eth0 || return 1
	local cap=$CAP_PID
	ping_out "$from" "$(vm_ca "$to")" 3 -t 64 >/dev/null
	cap_stop "$cap"
	n=$(cap_count "$f" "icmp.type == 8 && ip.src == $(vm_ca "$from")")
	expect_eq "echo requests from $(vm_ca "$from") captured in $to" 3 "$n"
	bad=$(cap_fields "$f" "icmp.type == 8" eth.src eth.dst ip.ttl | sort -u | xargs)
	expect_eq "source MAC, destination MAC, TTL of the requests in $to" \
		"$(vm_gw_mac "$to") $(vm_mac "$to") 63" "$bad"
}

# iperf3 TCP, 2 s, FROM -> TO: traffic passes, no drop on either host.
t_iperf() {
	local from=$1 to=$2
	iperf_tcp_checked "$from" "$to" || return 0
	expect_ge "bytes received" 1000000 "$IPERF_BYTES"
	note "$(vm_ca "$from") -> $(vm_ca "$to"): $IPERF_GBPS Gbit/s, $IPERF_RETRANS retransmits"
}

# ---------------------------------------------------------------------------------------------
# 3. what the router itself does: traceroute, TTL 1, ARP and echo for the gateway

# traceroute -n FROM -> TO: one hop, the gateway CA, then the destination; the hop is one
# TTL_EXPIRED on FROM's host.
t_traceroute() {
	local from=$1 to=$2 h out hops b="$TMP/tr-$1-$2"
	h=$(vm_host "$from")
	stats_snap "$h" "$b-before.json"
	# One probe at a time, one per hop: the destination's ICMP rate limit never hides an answer.
	out=$(in_ns "$from" timeout 30 traceroute -n -N 1 -q 1 -w 2 -m 6 "$(vm_ca "$to")" 2>&1 || true)
	stats_snap "$h" "$b-after.json"
	hops=$(awk 'NR > 1 { printf "%s %s, ", $1, $2 }' <<<"$out")
	expect_eq "traceroute hops" "1 $(vm_gw "$from"), 2 $(vm_ca "$to"), " "$hops"
	tap_failing && fail "$out"
	expect_eq "TTL_EXPIRED drops on $h" 1 "$(drop_delta "$b-before.json" "$b-after.json" TTL_EXPIRED)"
}

# ping -t 1 FROM -> TO: "Time to live exceeded" from FROM's gateway CA, an ICMP type 11 code 0
# from the gateway MAC, counted once as TTL_EXPIRED; nothing reaches TO.
t_ttl_one() {
	local from=$1 to=$2 h out f="$TMP/ttl1-$1.pcapng" b="$TMP/ttl1-$1" got
	h=$(vm_host "$from")
	cap_start "$from" "$f" eth0 || return 1
	local cap=$CAP_PID
	snap_all "$b-before"
	out=$(in_ns "$from" ping -n -c 1 -t 1 -W 2 "$(vm_ca "$to")" 2>&1 || true)
	snap_all "$b-after"
	cap_stop "$cap"
	grep -q "^From $(vm_gw "$from") icmp_seq=1 Time to live exceeded" <<<"$out" ||
		fail "ping -t 1 says: $out"
	# The first occurrences: the ICMP header, not the packet it quotes.
	got=$(CAP_OCC=f cap_fields "$f" "icmp.type == 11" ip.src eth.src eth.dst icmp.code | xargs)
	expect_eq "ICMP time exceeded in $from (source CA, source MAC, destination MAC, code)" \
		"$(vm_gw "$from") $(vm_gw_mac "$from") $(vm_mac "$from") 0" "$got"
	expect_eq "drops on $h" "drop TTL_EXPIRED 1" \
		"$(oneline "$(drops_delta "$b-before-$h.json" "$b-after-$h.json")")"
	expect_eq "rx_packets of vsid $(vm_vsid "$to") on $(vm_host "$to")" 0 \
		"$(vsid_delta "$b-before-$(vm_host "$to").json" "$b-after-$(vm_host "$to").json" \
			"$(vm_vsid "$to")" rx_packets)"
}

# ---------------------------------------------------------------------------------------------
# Path MTU: VMs whose MTU (1500) is the underlay's, so that their full-size packets cannot fit
# once encapsulated; the datapath answers them with ICMP fragmentation needed (MTU 1458).

# vm_set_mtu VM MTU: both ends of the VM's NIC at MTU. Its learnt path MTUs are left: a test
# takes destinations no other one used, and what it learns (1458) is the VM's own MTU again.
vm_set_mtu() {
	ip -n "$(topo_ns "$(vm_host "$1")")" link set "$(vm_port "$1")" mtu "$2"
	ip -n "$(topo_ns "$1")" link set eth0 mtu "$2"
}

# The MTU the VM's route cache holds for DST ("" when it learnt none).
vm_path_mtu() { in_ns "$1" ip route get "$2" | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n1; }

# t_pmtu_df FROM TO SRC: FROM (MTU 1500) pings TO with 1500-byte packets and DF: ping reports
# "Frag needed" with MTU 1458 from SRC (TO itself on-link, the gateway CA when routed), tshark in
# FROM decodes the ICMP error (type 3 code 4, next-hop MTU 1458, checksum good, from SRC and its
# MAC), the VM's route cache learns 1458, and after that 1458-byte pings with DF get through.
t_pmtu_df() {
	local from=$1 to=$2 src=$3 smac f="$TMP/pmtu-$1-$2.pcapng" b="$TMP/pmtu-$1-$2" h out got
	h=$(vm_host "$from")
	smac=$(vm_mac "$to")
	[ "$src" = "$(vm_ca "$to")" ] || smac=$(vm_gw_mac "$from")
	vm_set_mtu "$from" 1500
	vm_set_mtu "$to" 1500
	cap_start "$from" "$f" eth0 || return 1
	local cap=$CAP_PID
	snap_all "$b-before"
	out=$(ping_out "$from" "$(vm_ca "$to")" 1 -M "do" -s 1472)
	snap_all "$b-after"
	cap_stop "$cap"
	got=$(vm_ping "$from" "$(vm_ca "$to")" 3 -M "do" -s 1430)
	vm_set_mtu "$from" "$TOPO_VM_MTU"
	vm_set_mtu "$to" "$TOPO_VM_MTU"
	grep -q "^From $src icmp_seq=1 Frag needed and DF set (mtu = 1458)" <<<"$out" ||
		fail "ping -M do -s 1472 says: $out"
	expect_eq "ICMP errors in $from (type, code, MTU, checksum status, source CA, MAC)" \
		"3 4 1458 1 $src $smac" \
		"$(CAP_OCC=f cap_fields "$f" "icmp.type == 3" icmp.type icmp.code icmp.mtu \
			icmp.checksum.status ip.src eth.src | xargs)"
	expect_eq "drops on $h" "drop MTU 1" \
		"$(oneline "$(drops_delta "$b-before-$h.json" "$b-after-$h.json")")"
	expect_eq "path MTU $(vm_ca "$from") learnt for $(vm_ca "$to")" 1458 \
		"$(vm_path_mtu "$from" "$(vm_ca "$to")")"
	expect_eq "echo replies to 1458-byte packets with DF after that" 3 "$got"
}

# Without DF the datapath fragments nothing either: the first 1500-byte packet gets the ICMP
# error, and the VM's stack, which caches the path MTU for packets without DF too, fragments
# the next ones to fit (README: Path MTU). TO's 1500-byte replies go the same way.
t_pmtu_no_df() {
	local from=$1 to=$2 got b="$TMP/pmtu-nodf" h
	h=$(vm_host "$from")
	vm_set_mtu "$from" 1500
	vm_set_mtu "$to" 1500
	snap_all "$b-before"
	got=$(vm_ping "$from" "$(vm_ca "$to")" 5 -M dont -s 1472)
	snap_all "$b-after"
	vm_set_mtu "$from" "$TOPO_VM_MTU"
	vm_set_mtu "$to" "$TOPO_VM_MTU"
	expect_ge "echo replies to 5 unfragmentable-size pings without DF" 3 "$got"
	expect_ge "MTU drops (answered) on $h" 1 \
		"$(drop_delta "$b-before-$h.json" "$b-after-$h.json" MTU)"
	expect_eq "path MTU $(vm_ca "$from") learnt for $(vm_ca "$to")" 1458 \
		"$(vm_path_mtu "$from" "$(vm_ca "$to")")"
}

# TCP between two VMs with MTU 1500: the first full-size segments (TSO/GSO ones among them) get
# the ICMP error, TCP lowers its MSS, and iperf3 runs on. The MTU drops are counted (PMTU
# discovery did happen), nothing else is dropped.
t_pmtu_tcp() {
	local from=$1 to=$2 json="$TMP/pmtu-iperf.json" b="$TMP/pmtu-tcp" h out
	h=$(vm_host "$from")
	vm_set_mtu "$from" 1500
	vm_set_mtu "$to" 1500
	iperf_serve "$to"
	snap_all "$b-before"
	iperf_client "$from" "$to" 2 "$json"
	iperf_reap
	snap_all "$b-after"
	vm_set_mtu "$from" "$TOPO_VM_MTU"
	vm_set_mtu "$to" "$TOPO_VM_MTU"
	out=$(/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["end"]["sum_received"]["bytes"] if not d.get("error") else d["error"])' "$json" 2>&1)
	expect_ge "bytes iperf3 moved $(vm_ca "$from") -> $(vm_ca "$to") with MTU 1500" 1000000 "$out"
	expect_ge "MTU drops (answered) on $h" 1 \
		"$(drop_delta "$b-before-$h.json" "$b-after-$h.json" MTU)"
	expect_eq "other drops on $h" "" "$(oneline "$(drops_delta "$b-before-$h.json" \
		"$b-after-$h.json" | grep -v '^drop MTU ' || true)")"
	expect_eq "path MTU $(vm_ca "$from") learnt for $(vm_ca "$to")" 1458 \
		"$(vm_path_mtu "$from" "$(vm_ca "$to")")"
	note "iperf3 with PMTU discovery: $out bytes in 2 s"
}

# The gateway CA answers ARP (with the gateway MAC) and nothing else: no echo reply, GATEWAY_CA
# drops; the gateway of another subnet answers no echo either.
t_gateway() {
	local vm=$1 h out got mac b="$TMP/gw-$1" other
	h=$(vm_host "$vm")
	flush_neigh "$vm"
	stats_snap "$h" "$b-before.json"
	out=$(ping_out "$vm" "$(vm_gw "$vm")" 3)
	stats_snap "$h" "$b-after.json"
	got=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | head -n1)
	expect_eq "echo replies from the gateway $(vm_gw "$vm")" 0 "${got:-0}"
	mac=$(ip -n "$(topo_ns "$vm")" neigh show "$(vm_gw "$vm")" dev eth0 | awk '{ print $3 }')
	expect_eq "$vm's neighbour entry for $(vm_gw "$vm")" "$(vm_gw_mac "$vm")" "$mac"
	expect_eq "GATEWAY_CA drops on $h" 3 "$(drop_delta "$b-before.json" "$b-after.json" GATEWAY_CA)"
	other=10.1.2.1
	[ "$(vm_gw "$vm")" != "$other" ] || other=10.1.3.1
	out=$(ping_out "$vm" "$other" 2)
	got=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | head -n1)
	expect_eq "echo replies from another subnet's gateway $other" 0 "${got:-0}"
}

# ---------------------------------------------------------------------------------------------
# 4. tenants stay apart

# FROM pings a CA that only the other tenant has: nothing answers, nothing arrives in VM (which
# has it), the drop is counted on FROM's host, the other tenant's VSID receives nothing.
t_isolation_other_ca() {
	local from=$1 victim=$2 b="$TMP/iso-$1-$2" f="$TMP/iso-$2.pcapng" out got hv
	hv=$(vm_host "$victim")
	flush_neigh "$victim"
	cap_start "$victim" "$f" eth0 || return 1
	local cap=$CAP_PID
	snap_all "$b-before"
	out=$(ping_out "$from" "$(vm_ca "$victim")" 3)
	snap_all "$b-after"
	cap_stop "$cap"
	got=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | head -n1)
	expect_eq "echo replies to tenant $(vm_tenant_of "$from")'s ping of $(vm_ca "$victim")" 0 "${got:-0}"
	expect_eq "frames captured in $victim" 0 "$(cap_count "$f" "")"
	expect_eq "rx_packets of vsid $(vm_vsid "$victim") on $hv" 0 \
		"$(vsid_delta "$b-before-$hv.json" "$b-after-$hv.json" "$(vm_vsid "$victim")" rx_packets)"
	expect_eq "drops on $(vm_host "$from")" "drop ROUTE_NO_RECORD 3" \
		"$(oneline "$(drops_delta "$b-before-$(vm_host "$from").json" "$b-after-$(vm_host "$from").json")")"
}

# FROM pings TO, whose CA the other tenant's VM OTHER holds too: TO answers, OTHER sees nothing.
t_isolation_same_ca() {
	local from=$1 to=$2 other=$3 f="$TMP/isosame-$3.pcapng" b="$TMP/isosame-$3" got ho
	ho=$(vm_host "$other")
	flush_neigh "$other"
	cap_start "$other" "$f" eth0 || return 1
	local cap=$CAP_PID
	stats_snap "$ho" "$b-before.json"
	got=$(vm_ping "$from" "$(vm_ca "$to")" 3)
	stats_snap "$ho" "$b-after.json"
	cap_stop "$cap"
	expect_eq "echo replies $(vm_ca "$from") -> $(vm_ca "$to")" 3 "$got"
	expect_eq "frames captured in $other (tenant $(vm_tenant_of "$other"), the same CA)" 0 \
		"$(cap_count "$f" "")"
	expect_eq "rx_packets of vsid $(vm_vsid "$other") on $ho" 0 \
		"$(vsid_delta "$b-before.json" "$b-after.json" "$(vm_vsid "$other")" rx_packets)"
}

# Routes that would cross into tenant B are refused (exit 1: a runtime refusal, not a usage
# error), and change nothing.
t_isolation_routes() {
	local h=h1 before after rc
	before=$(nvctl_on "$h" route show 2>&1) || fail "route show: $before"
	rc=0
	nvctl_on "$h" route add rdid 1 prefix 10.1.3.37/32 vsid 6003 >"$TMP/r1.out" 2>&1 || rc=$?
	expect_eq "exit of route add rdid 1 ... vsid 6003 (a VSID of rdid 2)" 1 "$rc"
	[ "$rc" != 0 ] || nvctl_on "$h" route del rdid 1 prefix 10.1.3.37/32 >/dev/null 2>&1 || true
	note "vsid of another RDID: $(head -c 300 "$TMP/r1.out")"
	rc=0
	nvctl_on "$h" route add rdid 1 prefix 10.1.8.0/24 nexthop 10.1.3.37 >"$TMP/r2.out" 2>&1 || rc=$?
	expect_eq "exit of route add rdid 1 ... nexthop 10.1.3.37 (a CA only rdid 2 has)" 1 "$rc"
	[ "$rc" != 0 ] || nvctl_on "$h" route del rdid 1 prefix 10.1.8.0/24 >/dev/null 2>&1 || true
	note "next hop in another RDID: $(head -c 300 "$TMP/r2.out")"
	after=$(nvctl_on "$h" route show 2>&1) || true
	expect_eq "route show afterwards" "$before" "$after"
}

# ---------------------------------------------------------------------------------------------
# 5. the underlay, seen by tshark

# Pings with each tenant's payload across subnets and hosts, captured on every switch port. Every
# NVGRE frame: GRE key >> 8 = the VSID of the inner destination in its tenant; a routed frame
# (inner source and destination in different subnets) carries the destination subnet's gateway
# MAC as source and TTL 63; the outer TTL is 64 where the sender's physical subnet is captured,
# 63 behind rt. Same-host routed traffic never reaches the wire.
ROUTED_WIRE="a11 a34
a11 a25
a25 a13
a36 a22
a34 a36
b11 b22
b11 b36
b37 b22
a11 a22"

t_underlay_capture() {
	local f1="$TMP/ul-sw1.pcapng" f2="$TMP/ul-sw2.pcapng" f from to got=() want=() bad n
	cap_start sw1 "$f1" h1 h2 rt || return 1
	local c1=$CAP_PID
	cap_start sw2 "$f2" h3 rt || return 1
	local c2=$CAP_PID
	while read -r from to; do
		got+=("$(vm_ping "$from" "$(vm_ca "$to")" 2 -p "$(vm_pattern "$from")")")
		want+=(2)
	done <<<"$ROUTED_WIRE"
	cap_stop "$c1"
	cap_stop "$c2"
	expect_eq "echo replies" "${want[*]}" "${got[*]}"
	for f in "$f1" "$f2"; do
		note "$(basename "$f"): $(cap_count "$f" gre) NVGRE frames," \
			"$(cap_count "$f" 'gre && ip.src == 198.51.100.0/24 && ip.dst == 192.0.2.0/24') +" \
			"$(cap_count "$f" 'gre && ip.src == 192.0.2.0/24 && ip.dst == 198.51.100.0/24') across rt"
		expect_ge "NVGRE frames across rt in $(basename "$f")" 8 \
			"$(cap_count "$f" 'gre && !(ip.src == 192.0.2.0/24 && ip.dst == 192.0.2.0/24)')"
	done
	n=$(cap_count "$f1" 'gre && ip.src == 192.0.2.0/24 && ip.dst == 192.0.2.0/24')
	expect_ge "NVGRE frames between h1 and h2 in sw1" 8 "$n"
	bad=$(for f in "$f1:192.0.2." "$f2:198.51.100."; do
		cap_fields "${f%%:*}" gre ip.src ip.dst ip.ttl gre.key eth.src eth.dst data.data |
			sed "s/^/${f##*:}\t/"
	done | /usr/bin/python3 -c '
import sys
gw = lambda v: "02:4e:56:%02x:%02x:%02x" % (v >> 16 & 255, v >> 8 & 255, v & 255)
bad, seen = [], {}
for line in sys.stdin:
    local, src, dst, ttl, key, esrc, edst, data = (line.rstrip("\n").split("\t") + [""] * 8)[:8]
    src, dst, ttl, esrc = src.split(","), dst.split(","), ttl.split(","), esrc.split(",")
    data = data.replace(":", "")
    tenant = "A" if "a5a5a5a5" in data else "B" if "b6b6b6b6" in data else "?"
    base = 5000 if tenant == "A" else 6000
    want = base + int(dst[1].split(".")[2])
    vsid = int(key, 16) >> 8
    routed = src[1].split(".")[2] != dst[1].split(".")[2]
    kind = "routed" if routed else "bridged"
    seen[tenant, kind] = seen.get((tenant, kind), 0) + 1
    why = []
    if tenant == "?":
        why.append("no tenant payload")
    if vsid != want:
        why.append("key VSID %d, destination VSID %d" % (vsid, want))
    if routed and (esrc[1] != gw(want) or ttl[1] != "63"):
        why.append("inner source MAC %s TTL %s (want %s 63)" % (esrc[1], ttl[1], gw(want)))
    if not routed and ttl[1] != "64":
        why.append("bridged inner TTL %s" % ttl[1])
    outer = "64" if src[0].startswith(local) else "63"
    if ttl[0] != outer:
        why.append("outer TTL %s, want %s" % (ttl[0], outer))
    if tenant == "A" and {src[1], dst[1]} == {"10.1.1.11", "10.1.2.22"}:
        why.append("same-host routed traffic (a11 <-> a22 on h1) on the wire")
    if why:
        bad.append("%s %s > %s (%s > %s): %s" % (tenant, src[0], dst[0], src[1], dst[1], "; ".join(why)))
for k in [("A", "routed"), ("B", "routed"), ("A", "bridged")]:
    if not seen.get(k):
        bad.append("no %s frames of tenant %s" % (k[1], k[0]))
print("\n".join(sorted(set(bad))[:8]))')
	expect_eq "NVGRE frames that break a rule" "" "$bad"
}

# ---------------------------------------------------------------------------------------------
# 6. customer routes

# route add rdid 1 prefix 10.1.9.0/24 nexthop 10.1.3.36 (a36 on h3, in 5003): pings from a11
# (h1, remote) and a25 (h3, same host) to 10.1.9.x arrive in a36, from 5003's gateway MAC with
# TTL 63 (a36 does not forward them back: what it sent would carry a source CA not its own).
t_route_nexthop() {
	local f="$TMP/route-a36.pcapng" n got h b="$TMP/rnh"
	nvctl_all route add rdid 1 prefix 10.1.9.0/24 nexthop "$(vm_ca a36)" ||
		fail "route add rdid 1 prefix 10.1.9.0/24 nexthop $(vm_ca a36) failed"
	got=$(nvctl_on h2 route show rdid 1 2>&1 || true)
	grep -q '10\.1\.9\.0/24' <<<"$got" || fail "route show rdid 1 on h2 does not list 10.1.9.0/24: $got"
	cap_start a36 "$f" eth0 || return 1
	local cap=$CAP_PID
	snap_all "$b-before"
	vm_ping a11 10.1.9.5 3 >/dev/null
	vm_ping a25 10.1.9.6 3 >/dev/null
	snap_all "$b-after"
	cap_stop "$cap"
	for h in $ALL_HOSTS; do
		expect_eq "drops on $h" "" "$(oneline "$(drops_delta "$b-before-$h.json" "$b-after-$h.json")")"
	done
	n=$(cap_count "$f" 'icmp.type == 8 && ip.dst == 10.1.9.5 && ip.src == 10.1.1.11')
	expect_eq "echo requests to 10.1.9.5 from a11 (h1) captured in a36" 3 "$n"
	n=$(cap_count "$f" 'icmp.type == 8 && ip.dst == 10.1.9.6 && ip.src == 10.1.2.25')
	expect_eq "echo requests to 10.1.9.6 from a25 (h3) captured in a36" 3 "$n"
	got=$(cap_fields "$f" 'icmp.type == 8' eth.src eth.dst ip.ttl | sort -u | xargs)
	expect_eq "their source MAC, destination MAC, TTL" "$(vm_gw_mac a36) $(vm_mac a36) 63" "$got"
}

# route del on every host while a11 (h1: routed to h3, encapsulated) pings 10.1.9.7 and a25 (h3:
# delivered on the host) 10.1.9.8, every 20 ms: nothing more reaches a36 once the last del
# returned (50 ms of slack for a frame already on its way), and the senders' hosts count NO_ROUTE
# from then on.
t_route_del() {
	local f="$TMP/route-del.pcapng" t0 t1 before after n p1 p2 b="$TMP/rdel" from dst
	cap_start a36 "$f" eth0 || return 1
	local cap=$CAP_PID
	bg_in_ns a11 ping -n -q -i 0.02 -c 100 -W 1 10.1.9.7 >/dev/null 2>&1
	p1=$BG_PID
	bg_in_ns a25 ping -n -q -i 0.02 -c 100 -W 1 10.1.9.8 >/dev/null 2>&1
	p2=$BG_PID
	sleep 0.8
	snap_all "$b-before"
	t0=$EPOCHREALTIME
	nvctl_all route del rdid 1 prefix 10.1.9.0/24 || fail "route del failed"
	t1=$EPOCHREALTIME
	sleep 0.8
	snap_all "$b-after"
	bg_stop "$p1"
	bg_stop "$p2"
	cap_stop "$cap"
	note "route del on 3 hosts took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms"
	for from in a11 a25; do
		dst=10.1.9.7
		[ "$from" = a11 ] || dst=10.1.9.8
		before=$(cap_count "$f" "icmp.type == 8 && ip.dst == $dst && frame.time_epoch < $t0")
		after=$(cap_count "$f" "icmp.type == 8 && ip.dst == $dst && frame.time_epoch > $(
			awk -v t="$t1" 'BEGIN { printf "%.6f", t + 0.05 }')")
		expect_ge "requests from $from to $dst in a36 before route del" 10 "$before"
		expect_eq "requests from $from to $dst in a36 more than 50 ms after route del" 0 "$after"
		expect_ge "NO_ROUTE drops on $(vm_host "$from") after route del" 20 \
			"$(drop_delta "$b-before-$(vm_host "$from").json" "$b-after-$(vm_host "$from").json" NO_ROUTE)"
	done
	n=$(nvctl_on h1 route show rdid 1 2>&1 | grep -c '10\.1\.9\.0/24' || true)
	expect_eq "10.1.9.0/24 in route show on h1 after route del" 0 "$n"
}

# ---------------------------------------------------------------------------------------------

main() {
	local t0=$SECONDS mode from to kind what
	topo_log "routed e2e run $RUN_ID: 3 hosts in 2 physical subnets, 10 VMs, 2 tenants x 3 subnets"
	topo_up tc
	topo_log "topology up in $((SECONDS - t0)) s"

	run_test "underlay: h1/h2 and h3 are in two physical subnets joined by rt" t_underlay
	run_test "subnet show: 6 subnets on every host, gateway .1, gateway MAC from the VSID" t_subnets
	for mode in tc xdp; do
		if [ "$TOPO_DELIVER" != "$mode" ]; then
			run_test "nvctl port del + port add of every port with deliver $mode" \
				topo_set_deliver "$mode"
		fi
		while read -r from to kind what; do
			run_test "ping $kind $(vm_ca "$from") -> $(vm_ca "$to") $what (deliver $mode)" \
				t_ping "$from" "$to"
		done <<<"$PING_PAIRS"
		run_test "iperf3 routed 10.1.1.11 -> 10.1.2.25 across the router h1-h3 (deliver $mode)" \
			t_iperf a11 a25
		run_test "iperf3 routed tenant B 10.1.3.36 -> 10.1.1.11 across the router h3-h1 (deliver $mode)" \
			t_iperf b36 b11
	done
	run_test "iperf3 routed 10.1.1.11 -> 10.1.2.22 on one host h1" t_iperf a11 a22
	run_test "routed frame in the VM: source MAC the gateway's, TTL 63 (h1 -> h3)" \
		t_routed_frame a11 a25
	run_test "routed frame in the VM: source MAC the gateway's, TTL 63 (one host)" \
		t_routed_frame a22 a11
	run_test "traceroute 10.1.1.11 -> 10.1.2.25: one hop, the gateway 10.1.1.1" t_traceroute a11 a25
	run_test "traceroute 10.1.1.11 -> 10.1.2.22 on one host: one hop, the gateway" t_traceroute a11 a22
	run_test "traceroute tenant B 10.1.2.22 -> 10.1.3.37: one hop, the gateway 10.1.2.1" \
		t_traceroute b22 b37
	run_test "ping -t 1 across subnets: Time to live exceeded from the gateway CA" t_ttl_one a11 a25
	run_test "pmtu: ping -M do -s 1472 on-link: frag needed (mtu 1458) from the destination" \
		t_pmtu_df a11 a13 10.1.1.13
	run_test "pmtu: ping -M do -s 1472 routed: frag needed (mtu 1458) from the gateway CA" \
		t_pmtu_df a11 a25 10.1.1.1
	run_test "pmtu: ping -M dont -s 1472: the VM fragments once it has learnt 1458" \
		t_pmtu_no_df a22 a25
	run_test "pmtu: iperf3 TCP between VMs with MTU 1500 works after PMTU discovery" \
		t_pmtu_tcp a11 a34
	run_test "gateway CA: ARP answered with the gateway MAC, echo not answered" t_gateway a11
	run_test "gateway CA: the same for tenant B" t_gateway b37
	run_test "isolation: A 10.1.1.11 cannot reach 10.1.3.37, a CA only tenant B has" \
		t_isolation_other_ca a11 b37
	run_test "isolation: A 10.1.1.11 -> 10.1.2.22 reaches A's VM (h1), never B's (h2)" \
		t_isolation_same_ca a11 a22 b22
	run_test "isolation: B 10.1.1.11 -> 10.1.2.22 reaches B's VM (h2), never A's (h1)" \
		t_isolation_same_ca b11 b22 a22
	run_test "isolation: routes into tenant B's VSID or to its CA are refused" t_isolation_routes
	run_test "underlay capture (tshark): destination VSID in every GRE key, gateway MAC, TTLs" \
		t_underlay_capture
	run_test "customer route 10.1.9.0/24 nexthop 10.1.3.36: pings go to that VM" t_route_nexthop
	run_test "customer route: route del stops its traffic at once" t_route_del

	netns_cleanup
	topo_log "routed e2e run took $((SECONDS - t0)) s"
	tap_done
}

# Sourced (E2E_SOURCE_ONLY=1): only the functions, for running tests one by one while debugging.
[ "${E2E_SOURCE_ONLY:-0}" = 1 ] || main
