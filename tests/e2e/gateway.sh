#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end test of the gateway (issue 14, DESIGN section 8): VMs of two tenants with the same
# CAs reach an "internet" server through the gateway's NAT, each tenant seen from its own
# external address; a VM's TCP service is published on an external address:port; a third tenant
# is routed unchanged (forward mode) to a physical network. Real traffic (ping, iperf3, TCP and
# UDP sockets), tshark on the external side, everything configured with nvctl.
#
#     sw1 (bridge): h1 192.0.2.1   h2 192.0.2.2   gw 192.0.2.3 (the gateway host)
#
#     gw: ext 203.0.113.1/24 ---- inet 203.0.113.100/24 (the internet server)
#         ext2 198.51.100.1/24 -- phys 198.51.100.100/24 (a physical network; 10.3.1.0/24 via gw)
#
#   tenant A, rdid 1: vsid 5001 10.1.1.0/24, vsid 5002 10.1.2.0/24; NAT 203.0.113.10, and
#                     203.0.113.10:8080 -> 10.1.1.11:80, :5201 -> 10.1.1.11:5201 published
#   tenant B, rdid 2: vsid 6001 10.1.1.0/24 (A's prefix, CAs and MACs); NAT 203.0.113.11
#   tenant C, rdid 3: vsid 7001 10.3.1.0/24, forward mode on ext2, gateway route 198.51.100.0/24
#   h1: a11 (A 10.1.1.11), c11 (C 10.3.1.11)   h2: b11 (B 10.1.1.11), a22 (A 10.1.2.22)
#   gw: g33 (A 10.1.1.33), a VM of the gateway host itself; 203.0.113.10:8033 -> 10.1.1.33:80
#   Each tenant's gateway leg is 10.x.1.254 on gw; every host has its record, the RDID's gateway
#   wildcard record (CA 0.0.0.0 at gw's PA) and the route 0.0.0.0/0 via the leg: the same table
#   everywhere, as orchestration pushes it.
#
# Usage: tests/e2e/gateway.sh [BUILD_DIR]   (default: build; as root). Run by tests/run-tests.sh.
# Prints "ok N - name" / "not ok N - name", then "P passed, F failed" (tests/lib/tap.sh); the
# cleanup of netns.sh removes every namespace, process and pin directory, also on failure.
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

netns_init nvgre-gw "${E2E_ID:-}"
NETNS_KEEP=${E2E_KEEP:-0}

TOPO_UL_MTU=1500
TOPO_VM_MTU=1458
topo_switch sw1 pn
topo_host h1 sw1 192.0.2.1
topo_host h2 sw1 192.0.2.2
topo_host gw sw1 192.0.2.3
topo_tenant A1 5001 1 10.1.1.0/24
topo_tenant A2 5002 1 10.1.2.0/24
topo_tenant B1 6001 2 10.1.1.0/24
topo_tenant C1 7001 3 10.3.1.0/24
topo_vm a11 A1 h1 11
topo_vm c11 C1 h1 11
topo_vm b11 B1 h2 11
topo_vm a22 A2 h2 22
topo_vm g33 A1 gw 33
# A small connection table on the gateway: the flood test fills it.
CT_MAX=256
TOPO_ATTACH[gw]="ct-max $CT_MAX"
ALL_HOSTS="h1 h2 gw"
ALL_VMS="a11 c11 b11 a22 g33"
GW_PA=192.0.2.3
SERVER=203.0.113.100
EXT_A=203.0.113.10
EXT_B=203.0.113.11
PHYS=198.51.100.100

# Per tenant: RDID, the leg's VSID, CA and MAC, its device and mode.
LEGS="1 5001 10.1.1.254 02:4e:56:ff:00:01 ext nat
2 6001 10.1.1.254 02:4e:56:ff:00:02 ext nat
3 7001 10.3.1.254 02:4e:56:ff:00:03 ext2 forward"

nvctl_all() {
	local h rc=0
	for h in $ALL_HOSTS; do
		nvctl_on "$h" "$@" || rc=$?
	done
	return $rc
}

# snap_gw PATH: the gateway's counters.
snap_gw() { stats_snap gw "$1"; }

# ---------------------------------------------------------------------------------------------
# The world

# link_ns A DEV_A B DEV_B ADDR_A/LEN ADDR_B/LEN: a veth between two namespaces, addressed, up,
# checksums computed in full (tx off), so that a capture shows what the wire would carry.
link_ns() {
	ip -n "$(ns_name "$1")" link add "$2" type veth peer name "$4" netns "$(ns_name "$3")" ||
		die "veth $1:$2 - $3:$4"
	ip -n "$(ns_name "$1")" addr add "$5" dev "$2"
	ip -n "$(ns_name "$3")" addr add "$6" dev "$4"
	in_ns "$1" ethtool -K "$2" tx off >/dev/null
	in_ns "$3" ethtool -K "$4" tx off >/dev/null
	ip -n "$(ns_name "$1")" link set "$2" up
	ip -n "$(ns_name "$3")" link set "$4" up
}

topo_up() {
	local vm rdid vsid ca mac dev mode
	topo_prepare ss ping iperf3 tshark dumpcap timeout
	topo_build sw1
	ns_add inet
	ns_add phys
	link_ns gw ext inet eth0 203.0.113.1/24 "$SERVER/24"
	link_ns gw ext2 phys eth0 198.51.100.1/24 "$PHYS/24"
	ip -n "$(ns_name phys)" route add 10.3.1.0/24 via 198.51.100.1 || die "phys: route"
	topo_configure sw1 tc
	for vm in $ALL_VMS; do
		topo_vm_default_route "$vm"
		# The VMs compute every checksum themselves: the capture outside shows the NAT's.
		in_ns "$vm" ethtool -K eth0 tx off >/dev/null
	done
	while read -r rdid vsid ca mac dev mode; do
		nvctl_all record add vsid "$vsid" ca "$ca" mac "$mac" pa "$GW_PA" ||
			die "record of the leg of rdid $rdid"
		nvctl_all record add vsid "$vsid" ca 0.0.0.0 mac "$mac" pa "$GW_PA" ||
			die "wildcard record of rdid $rdid"
		nvctl_all route add rdid "$rdid" prefix 0.0.0.0/0 nexthop "$ca" ||
			die "default route of rdid $rdid"
		nvctl_on gw gateway add rdid "$rdid" vsid "$vsid" ca "$ca" mac "$mac" dev "$dev" \
			mode "$mode" || die "gateway add rdid $rdid"
	done <<<"$LEGS"
	nvctl_on gw nat add rdid 1 external "$EXT_A" || die "nat add rdid 1"
	nvctl_on gw nat add rdid 2 external "$EXT_B" || die "nat add rdid 2"
	nvctl_on gw nat map add rdid 1 proto tcp external "$EXT_A:8080" internal 10.1.1.11:80 ||
		die "nat map add :8080"
	nvctl_on gw nat map add rdid 1 proto tcp external "$EXT_A:5201" internal 10.1.1.11:5201 ||
		die "nat map add :5201"
	nvctl_on gw nat map add rdid 1 proto tcp external "$EXT_A:8033" internal 10.1.1.33:80 ||
		die "nat map add :8033"
	nvctl_on gw gateway route add rdid 3 prefix 198.51.100.0/24 || die "gateway route add"
}

# ---------------------------------------------------------------------------------------------
# Helpers

# wait_listen NODE PORT: until a TCP socket listens on PORT in NODE (5 s at most).
wait_listen() {
	local i
	for i in $(seq 100); do
		in_ns "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	fail "nothing listens on $1:$2"
	return 1
}

# A TCP server in NODE on PORT that answers each connection with the address:port it came from,
# then closes; in the background (its pid: SRV_PID), once it listens.
peer_server() {
	local node=$1 addr=$2 port=$3
	bg_in_ns "$node" /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
while True:
    c, a = s.accept()
    c.sendall(("%s:%d\n" % a).encode())
    c.close()
' "$addr" "$port"
	SRV_PID=$BG_PID
	wait_listen "$node" "$port"
}

# peer_seen VM DST PORT [SPORT]: what the server at DST:PORT saw as the VM's address:port.
peer_seen() {
	in_ns "$1" timeout 5 /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
if len(sys.argv) > 3 and sys.argv[3]:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", int(sys.argv[3])))
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode().strip())
' "$2" "$3" "${4:-}" 2>&1 || echo "ERROR: no answer"
}

# udp_burst VM DST PORT N: N UDP datagrams from N source ports (a new connection each).
udp_burst() {
	in_ns "$1" /usr/bin/python3 -c '
import socket, sys
for i in range(int(sys.argv[3])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x" * 32, (sys.argv[1], int(sys.argv[2])))
    s.close()
' "$2" "$3" "$4"
}

# conn_count RDID FILTER: connections of rdid whose JSON matches the python expression FILTER,
# where c is the connection's object and inside, external and remote are its ADDR:PORT strings.
conn_count() {
	nvctl_on gw -j nat conn show rdid "$1" | /usr/bin/python3 -c '
import json, sys
n = 0
for c in json.load(sys.stdin):
    inside = "%s:%d" % (c["inside"], c["inside_port"])
    external = "%s:%d" % (c["external"], c["external_port"])
    remote = "%s:%d" % (c["remote"], c["remote_port"])
    n += bool(eval(sys.argv[1]))
print(n)
' "$2" 2>&1 || echo "ERROR"
}

# ---------------------------------------------------------------------------------------------
# Tests

t_ping_out() {
	local vm
	for vm in a11 b11 a22; do
		expect_eq "echo replies from $SERVER to $vm" 5 "$(vm_ping "$vm" "$SERVER" 5)"
	done
}

# The server sees tenant A from 203.0.113.10 and tenant B from 203.0.113.11, the VMs' own source
# port kept when free; two VMs with the same CA and the same source port at the same time.
t_nat_source() {
	local a b
	peer_server inet "$SERVER" 7000
	a=$(peer_seen a11 "$SERVER" 7000 40000)
	b=$(peer_seen b11 "$SERVER" 7000 40000)
	bg_stop "$SRV_PID"
	expect_eq "a11 (10.1.1.11:40000) as the server sees it" "$EXT_A:40000" "$a"
	expect_eq "b11 (10.1.1.11:40000) as the server sees it" "$EXT_B:40000" "$b"
}

t_two_tenants_one_port() {
	local a b
	peer_server inet "$SERVER" 7001
	a=$(peer_seen a11 "$SERVER" 7001 41000)
	# a22: another CA of tenant A from the same port to the same server: another external port.
	b=$(peer_seen a22 "$SERVER" 7001 41000)
	bg_stop "$SRV_PID"
	expect_eq "a11 from port 41000" "$EXT_A:41000" "$a"
	case "$b" in
	"$EXT_A:41000") fail "a22 got a11's external port 41000 too" ;;
	"$EXT_A:"*) ;;
	*) fail "a22 as the server sees it: expected $EXT_A:<another port>, got $b" ;;
	esac
}

# iperf_out VM PORT: 2 s of iperf3 TCP from VM to the internet server on PORT through the NAT:
# at least 1 MB received, and no drop counted on the gateway meanwhile.
iperf_out() {
	local vm=$1 port=$2 json=$TMP/iperf-$1.json b a srv
	snap_gw "$TMP/iperf-$vm-before.json"
	bg_in_ns inet iperf3 -s -1 -B "$SERVER" -p "$port" >/dev/null 2>&1
	srv=$BG_PID
	wait_listen inet "$port"
	in_ns "$vm" timeout 20 iperf3 -c "$SERVER" -p "$port" -t 2 -J >"$json" 2>&1 || true
	bg_stop "$srv"
	snap_gw "$TMP/iperf-$vm-after.json"
	b=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$json" 2>/dev/null || echo 0)
	expect_ge "bytes the server received from $vm through the NAT" 1000000 "$b"
	a=$(oneline "$(drops_delta "$TMP/iperf-$vm-before.json" "$TMP/iperf-$vm-after.json")")
	expect_eq "gateway drops during $vm's TCP run" "" "$a"
}

t_iperf_out() { iperf_out a11 5301; }

# A published service: a11's TCP :80 as 203.0.113.10:8080, reached from the internet. The VM sees
# the client's own address (only the destination is translated).
t_published() {
	local out
	peer_server a11 10.1.1.11 80
	out=$(peer_seen inet "$EXT_A" 8080)
	case "$out" in
	"$SERVER:"*) ;;
	*) fail "$EXT_A:8080 from the internet: expected a11's answer $SERVER:<port>, got $out" ;;
	esac
	out=$(in_ns inet timeout 3 /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], 8080))
    print("connected")
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "no answer")
' "$EXT_B" 2>&1)
	expect_eq "$EXT_B:8080 from the internet (tenant B publishes nothing)" "no answer" "$out"
	bg_stop "$SRV_PID"
}

# Bulk TCP into a published port, both ways through the static mapping.
t_published_bulk_in() {
	local json=$TMP/iperf-in.json b
	bg_in_ns a11 iperf3 -s -1 -B 10.1.1.11 -p 5201 >/dev/null 2>&1
	local srv=$BG_PID
	wait_listen a11 5201
	in_ns inet timeout 20 iperf3 -c "$EXT_A" -p 5201 -t 2 -J >"$json" 2>&1 || true
	bg_stop "$srv"
	b=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$json" 2>/dev/null || echo 0)
	expect_ge "bytes a11 received from the internet through $EXT_A:5201" 1000000 "$b"
}

t_echo_in() {
	expect_eq "echo replies from $EXT_A (the gateway answers)" 3 "$(vm_ping inet "$EXT_A" 3)"
	expect_eq "echo replies from the gateway host 203.0.113.1 (its stack)" 3 \
		"$(vm_ping inet 203.0.113.1 3)"
	expect_eq "echo replies from 203.0.113.12 (nobody's)" 0 "$(vm_ping inet 203.0.113.12 2)"
}

t_conn_show() {
	peer_server inet "$SERVER" 7002
	peer_seen a11 "$SERVER" 7002 42000 >/dev/null
	peer_seen b11 "$SERVER" 7002 42000 >/dev/null
	bg_stop "$SRV_PID"
	expect_eq "rdid 1: a connection 10.1.1.11:42000 -> $SERVER:7002 as $EXT_A" 1 \
		"$(conn_count 1 "inside == \"10.1.1.11:42000\" and remote == \"$SERVER:7002\" and c[\"external\"] == \"$EXT_A\"")"
	expect_eq "rdid 1: none of tenant B's connections" 0 \
		"$(conn_count 1 "c[\"external\"] == \"$EXT_B\"")"
	expect_eq "rdid 2: its connection as $EXT_B" 1 \
		"$(conn_count 2 "inside == \"10.1.1.11:42000\" and c[\"external\"] == \"$EXT_B\"")"
}

t_expire() {
	nvctl_on gw nat timeout set udp 2 || fail "nat timeout set udp 2"
	udp_burst a11 "$SERVER" 9 1
	expect_eq "UDP connection to $SERVER:9 after one datagram" 1 \
		"$(conn_count 1 "c[\"proto\"] == \"udp\" and remote == \"$SERVER:9\"")"
	sleep 3
	nvctl_on gw nat gc >/dev/null || fail "nat gc"
	expect_eq "UDP connection to $SERVER:9 after 3 s and nat gc" 0 \
		"$(conn_count 1 "c[\"proto\"] == \"udp\" and remote == \"$SERVER:9\"")"
	nvctl_on gw nat timeout set udp 60 || fail "nat timeout set udp 60"
}

# A flood of new connections fills the table: counted CT_FULL drops, and a TCP stream that was
# open before goes on unharmed.
t_table_full() {
	local json=$TMP/iperf-full.json b full
	nvctl_on gw nat conn flush >/dev/null || fail "nat conn flush"
	snap_gw "$TMP/full-before.json"
	bg_in_ns inet iperf3 -s -1 -B "$SERVER" -p 5302 >/dev/null 2>&1
	local srv=$BG_PID
	wait_listen inet 5302
	bg_in_ns a11 timeout 20 iperf3 -c "$SERVER" -p 5302 -t 3 -J >"$json" 2>&1
	local cli=$BG_PID
	sleep 0.5
	udp_burst a22 "$SERVER" 9 $((CT_MAX + 200))
	wait "$cli" || true
	bg_forget "$cli"
	bg_stop "$srv"
	snap_gw "$TMP/full-after.json"
	full=$(drop_delta "$TMP/full-before.json" "$TMP/full-after.json" CT_FULL)
	expect_ge "CT_FULL drops on the gateway" 100 "$full"
	b=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bytes"]))' "$json" 2>/dev/null || echo 0)
	expect_ge "bytes of a11's TCP stream during the flood" 1000000 "$b"
	expect_eq "the table's size in dp show (ct-max $CT_MAX)" "$CT_MAX" \
		"$(nvctl_on gw -j dp show | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["maps"]["conns_max"])' 2>&1)"
	nvctl_on gw nat conn flush >/dev/null || fail "nat conn flush"
}

# What leaves the gateway to the internet, decoded by tshark with every checksum checked.
t_capture_checksums() {
	local cap=$TMP/ext.pcapng n bad
	cap_start inet "$cap" eth0 || return
	vm_ping a11 "$SERVER" 3 >/dev/null
	peer_server inet "$SERVER" 7003
	peer_seen a11 "$SERVER" 7003 >/dev/null
	peer_seen b11 "$SERVER" 7003 >/dev/null
	bg_stop "$SRV_PID"
	udp_burst a11 "$SERVER" 9 3
	cap_stop "$CAP_PID"
	for proto in icmp tcp udp; do
		n=$(cap_count "$cap" "ip.src == $EXT_A && $proto")
		expect_ge "$proto packets from $EXT_A in the capture" 3 "$n"
	done
	n=$(cap_count "$cap" "ip.src == $EXT_B && tcp")
	expect_ge "TCP packets from $EXT_B in the capture" 3 "$n"
	bad=$(tshark -r "$cap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"' \
		-T fields -e frame.number 2>"$cap.err" | grep -c . || true)
	if grep -qv 'Running as user' "$cap.err"; then note "tshark: $(cat "$cap.err")"; fi
	expect_eq "frames with a bad checksum (tshark)" 0 "$bad"
	[ "$bad" = 0 ] || note "$(tshark -r "$cap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"' 2>/dev/null | head -5)"
	n=$(cap_count "$cap" "ip.src == 10.1.1.0/24")
	expect_eq "frames with a tenant CA as source outside" 0 "$n"
}

# A VM's packet too big for the external device: ICMP fragmentation needed from the leg's CA.
t_frag_needed() {
	local out
	ip -n "$(ns_name gw)" link set ext mtu 1400
	out=$(in_ns a11 ping -n -c 1 -W 2 -M "do" -s 1400 "$SERVER" 2>&1 || true)
	ip -n "$(ns_name gw)" link set ext mtu 1500
	case "$out" in
	*"From 10.1.1.254"*"mtu = 1400"*) ;;
	*) fail "ping -M do -s 1400 through a 1400 link: $(oneline "$out")" ;;
	esac
}

# TTL 2 from the VM: its host's router takes one, the gateway answers time exceeded from its leg.
t_ttl() {
	local out
	out=$(in_ns a11 ping -n -c 1 -W 2 -t 2 "$SERVER" 2>&1 || true)
	case "$out" in
	*"From 10.1.1.254"*"Time to live exceeded"*) ;;
	*) fail "ping -t 2 $SERVER: $(oneline "$out")" ;;
	esac
}

t_forward() {
	local cap=$TMP/phys.pcapng out
	cap_start phys "$cap" eth0 || return
	expect_eq "echo replies from $PHYS to c11 (forward mode)" 3 "$(vm_ping c11 "$PHYS" 3)"
	expect_eq "echo replies from c11 10.3.1.11 to phys" 3 "$(vm_ping phys 10.3.1.11 3)"
	cap_stop "$CAP_PID"
	expect_ge "echo requests from 10.3.1.11 (unchanged) in phys" 3 \
		"$(cap_count "$cap" "ip.src == 10.3.1.11 && icmp.type == 8")"
	expect_eq "echo replies from $PHYS to tenant A's a11 (not forwarded)" 0 \
		"$(vm_ping a11 "$PHYS" 2)"
	# 1500 bytes from outside do not fit the 1500-byte underlay once encapsulated.
	out=$(in_ns phys ping -n -c 1 -W 2 -M "do" -s 1472 10.3.1.11 2>&1 || true)
	case "$out" in
	*"mtu = 1458"*) ;;
	*) fail "ping -M do -s 1472 from phys to c11: $(oneline "$out")" ;;
	esac
}

# g33 runs on the gateway host: its host's router hands its packets to the gateway in the same
# program (nv_from_vm), out through the NAT as tenant A, and it publishes a service of its own.
t_gateway_host_vm() {
	local out
	expect_eq "echo replies from $SERVER to g33" 5 "$(vm_ping g33 "$SERVER" 5)"
	peer_server inet "$SERVER" 7004
	out=$(peer_seen g33 "$SERVER" 7004 43000)
	bg_stop "$SRV_PID"
	expect_eq "g33 (10.1.1.33:43000) as the server sees it" "$EXT_A:43000" "$out"
	iperf_out g33 5303
	peer_server g33 10.1.1.33 80
	out=$(peer_seen inet "$EXT_A" 8033)
	bg_stop "$SRV_PID"
	case "$out" in
	"$SERVER:"*) ;;
	*) fail "$EXT_A:8033 from the internet: expected g33's answer $SERVER:<port>, got $out" ;;
	esac
	out=$(in_ns g33 ping -n -c 1 -W 2 -t 2 "$SERVER" 2>&1 || true)
	case "$out" in
	*"From 10.1.1.254"*"Time to live exceeded"*) ;;
	*) fail "ping -t 2 $SERVER from g33: $(oneline "$out")" ;;
	esac
}

t_gw_host_reachable() {
	local out
	peer_server gw 203.0.113.1 2222
	out=$(peer_seen inet 203.0.113.1 2222)
	bg_stop "$SRV_PID"
	expect_eq "TCP to the gateway host's own address from the internet" "$SERVER" "${out%:*}"
}

t_gateway_del() {
	local out rdid
	nvctl_on gw nat map del proto tcp external "$EXT_A:8080" || fail "nat map del :8080"
	nvctl_on gw nat map del proto tcp external "$EXT_A:5201" || fail "nat map del :5201"
	nvctl_on gw nat map del proto tcp external "$EXT_A:8033" || fail "nat map del :8033"
	nvctl_on gw nat del rdid 1 || fail "nat del rdid 1"
	nvctl_on gw nat del rdid 2 || fail "nat del rdid 2"
	expect_eq "echo replies from $EXT_A after nat del" 0 "$(vm_ping inet "$EXT_A" 2)"
	nvctl_on gw gateway route del rdid 3 prefix 198.51.100.0/24 || fail "gateway route del"
	for rdid in 1 2 3; do
		nvctl_on gw gateway del rdid "$rdid" || fail "gateway del rdid $rdid"
	done
	out=$(in_ns gw tc filter show dev ext ingress; in_ns gw tc filter show dev ext2 ingress)
	expect_eq "TC filters on ext and ext2 after the last gateway del" "" "$out"
	out=$(in_ns gw tc qdisc show dev ext | grep -c clsact || true)
	expect_eq "clsact qdiscs on ext after the last gateway del" 0 "$out"
	expect_eq "IPv4 forwarding on ext and ext2 after the last gateway del (gateway add set it)" \
		"0 0" "$(in_ns gw cat /proc/sys/net/ipv4/conf/ext/forwarding \
			/proc/sys/net/ipv4/conf/ext2/forwarding | xargs)"
	expect_eq "echo replies from $SERVER to a11 with no gateway" 0 "$(vm_ping a11 "$SERVER" 2)"
}

main() {
	local t0=$SECONDS
	topo_log "gateway e2e run $RUN_ID: 3 hosts, a gateway with NAT and forwarding, 3 tenants, a VM on the gateway"
	topo_up
	topo_log "topology up in $((SECONDS - t0)) s"

	run_test "ping out through the NAT: a11, b11 (same CA, other tenant), a22 (other VSID)" t_ping_out
	run_test "NAT: the server sees tenant A as $EXT_A, tenant B as $EXT_B, source port kept" \
		t_nat_source
	run_test "NAT: a taken external port: another CA from the same port gets another one" \
		t_two_tenants_one_port
	run_test "iperf3 TCP a11 -> internet through the NAT, no drop" t_iperf_out
	run_test "published service: $EXT_A:8080 -> a11:80 from the internet, client address kept" \
		t_published
	run_test "published service: iperf3 from the internet into $EXT_A:5201 (a11)" \
		t_published_bulk_in
	run_test "ICMP echo in: the external address answers, the host's own address too" t_echo_in
	run_test "nat conn show: each tenant's connections, never the other's" t_conn_show
	run_test "conntrack: a UDP connection expires (timeout 2 s) and nat gc removes it" t_expire
	run_test "conntrack: a flood fills the table: counted CT_FULL drops, a TCP stream unharmed" \
		t_table_full
	run_test "capture outside (tshark): NAT addresses, every checksum right, no CA leaks" \
		t_capture_checksums
	run_test "MTU: ping -M do -s 1400 through a 1400-byte external link: frag needed" t_frag_needed
	run_test "TTL: ping -t 2 gets time exceeded from the gateway leg 10.1.1.254" t_ttl
	run_test "forward mode: tenant C reaches 198.51.100.100 unchanged, and back; PMTU in" t_forward
	run_test "a VM of the gateway host: ping, TCP and iperf3 out as $EXT_A, published, TTL" \
		t_gateway_host_vm
	run_test "the gateway host stays reachable on its external device" t_gw_host_reachable
	run_test "nat del, gateway del: external address gone, filters and qdiscs removed" t_gateway_del

	netns_cleanup
	topo_log "gateway e2e run took $((SECONDS - t0)) s"
	tap_done
}

[ "${E2E_SOURCE_ONLY:-0}" = 1 ] || main
