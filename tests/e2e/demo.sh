#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make demo: the datapath on three hosts and two tenants that reuse the same addresses, built and
# configured in front of you with the same nvctl commands a host admin types, then a third tenant
# with three subnets that every host routes between (the distributed router), then h3 as the NAT
# gateway of tenants A and B to an internet namespace. Everything it makes
# is removed at the end (and on Ctrl-C). Usage: tests/e2e/demo.sh [BUILD_DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
NVCTL=$(cd "$here/../.." && pwd)/${1:-build}/nvctl
PROP=$(dirname "$NVCTL")/tests/prop # before topology.sh makes NVCTL a private copy
export NVCTL
# shellcheck source=tests/e2e/topology.sh
. "$here/topology.sh"

bold='' plain=''
if [ -t 1 ]; then
	bold=$(tput bold 2>/dev/null || true)
	plain=$(tput sgr0 2>/dev/null || true)
fi

say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

# Show the command as the admin of HOST would type it, then run it there.
on() {
	local h=$1
	shift
	printf '%s%s#%s nvctl %s\n' "$bold" "$h" "$plain" "$*"
	nvctl_on "$h" "$@"
}

# ping from a VM; prints the verdict the way a tenant would see it.
ping_from() {
	local vm=$1 dst=$2
	if in_ns "$vm" ping -c 2 -i 0.2 -W 1 -q "$dst" >/dev/null 2>&1; then
		printf '  %s (tenant %s, %s) -> %s: reachable\n' "$vm" "$(vm_tenant "$vm")" \
			"$(vm_ca "$vm")" "$dst"
	else
		printf '  %s (tenant %s, %s) -> %s: no answer\n' "$vm" "$(vm_tenant "$vm")" \
			"$(vm_ca "$vm")" "$dst"
	fi
}

need_root "make demo creates namespaces and loads BPF"
need_built "$NVCTL"
need_bpffs
tmp_make # the cleanup of netns.sh (trapped on EXIT, INT, TERM) removes all the demo makes

say "The physical network: three hosts on one underlay bridge"
topo_add_switch sw
for h in $TOPO_HOSTS; do
	topo_add_host "$h"
	echo "  $h: underlay device ul, provider address (PA) ${TOPO_PA[$h]}"
done

say "The VMs: tenant A (VSID 5001) and tenant B (VSID 6001) reuse the same CAs and MACs"
for vm in $(topo_vms); do
	topo_add_vm "$vm"
	printf '  %s on %s: tenant %s, CA %s, MAC %s\n' "$vm" "$(vm_host "$vm")" \
		"$(vm_tenant "$vm")" "$(vm_ca "$vm")" "$(vm_mac "$vm")"
done

say "Each host: attach the datapath to its underlay (xdp-mode native: the default, auto, would"
echo "   leave XDP out on these veth underlays, as dp show then says; the demo shows XDP delivery too)"
for h in $TOPO_HOSTS; do
	pin_own "$(topo_pin_dir "$h")" "$h"
	on "$h" dp attach dev ul pa "${TOPO_PA[$h]}" xdp-mode native
done

say "Each host: the virtual subnets, each in its tenant's routing domain (RDID), with one prefix"
echo "   (reused by both tenants, whose VMs hold 10.0.0.1: the gateway is .254, its MAC 02:4e:56 + VSID)"
for h in $TOPO_HOSTS; do
	on "$h" subnet add vsid 5001 rdid 1 prefix 10.0.0.0/24 gateway 10.0.0.254
	on "$h" subnet add vsid 6001 rdid 2 prefix 10.0.0.0/24 gateway 10.0.0.254
done
on h1 subnet show

say "Each host: the same lookup table, CA -> PA, as orchestration pushes it (one batch per host)"
table="$TMP/table"
for vm in $(topo_vms); do
	echo "record add vsid $(vm_vsid "$vm") ca $(vm_ca "$vm") mac $(vm_mac "$vm") pa ${TOPO_PA[$(vm_host "$vm")]}"
done >"$table"
sed 's/^/  /' "$table"
for h in $TOPO_HOSTS; do
	on "$h" batch file "$table"
done

say "Each host: bind its VMs' NICs as ports (a VM NIC's host-side veth)"
for vm in $(topo_vms); do
	h=$(vm_host "$vm")
	on "$h" port add dev "$(vm_port "$vm")" vsid "$(vm_vsid "$vm")" ca "$(vm_ca "$vm")" \
		mac "$(vm_mac "$vm")" deliver tc
done

say "What host h1 runs now"
on h1 dp show
on h1 port show

say "Inside each tenant: across hosts and on the same host (ARP answered by the datapath)"
ping_from a1 10.0.0.2 # A: h1 -> h2
ping_from a1 10.0.0.3 # A: h1 -> h1
ping_from b1 10.0.0.2 # B: h1 -> h2
ping_from b1 10.0.0.4 # B: h1 -> h3
ping_from b2 10.0.0.3 # B: h2 -> h2

say "Between tenants: nothing, even to an address that exists in the other tenant"
ping_from a1 10.0.0.4 # 10.0.0.4 exists only in tenant B
echo "  a1 and b1 are both 10.0.0.1 with the same MAC, a2 and b2 both 10.0.0.2: a1's ping to"
echo "  10.0.0.2 reaches tenant A's a2 only (VSID 5001 moves on h2, VSID 6001 does not):"
on h2 stats reset
ping_from a1 10.0.0.2
on h2 stats show

say "The same VMs with XDP delivery (decap in XDP, redirect through a devmap)"
for vm in a1 a2; do
	h=$(vm_host "$vm")
	on "$h" port del dev "$(vm_port "$vm")"
	on "$h" port add dev "$(vm_port "$vm")" vsid 5001 ca "$(vm_ca "$vm")" mac "$(vm_mac "$vm")" \
		deliver xdp
done
ping_from a1 10.0.0.2

say "Drops are counted by reason (and per port): h1 after a1 asked for 10.0.0.4"
on h1 stats show

say "Why does a1 not reach 10.0.0.4? Ask the datapath: the live maps, its counters untouched"
on h1 trace port vm-a1 dst 10.0.0.4 dst-mac 02:4e:56:00:00:04
echo "  and what a1's ping to 10.0.0.2 does:"
on h1 trace port vm-a1 dst 10.0.0.2

say "Drops as they happen: nvctl monitor on h1 while a1 asks for 10.0.0.4 again"
printf '%sh1#%s nvctl monitor drops count 1\n' "$bold" "$plain"
# In the background (its own pid, for wait), bounded in case no drop came.
bg_in_ns h1 timeout 10 "$NVCTL" --pin-dir "$(topo_pin_dir h1)" monitor drops count 1
mon=$BG_PID
sleep 0.5
ping_from a1 10.0.0.4
wait "$mon" || true
bg_forget "$mon"

say "The same counters for Prometheus (nvctl metrics listen ADDR:PORT serves them over HTTP)"
on h1 metrics show | grep -E '^nvgre_(port_tx_packets|drops_packets_total.*ARP_UNKNOWN)' | head -4

say "Tenant C (RDID 3): three subnets, routed by every host (no router VM, no hairpin)"
# Declared here, after the rows above: the loops there cover tenants A and B only.
for x in 1 2 3; do
	topo_tenant "C$x" "710$x" 3 "10.2.$x.0/24" # the gateway: nvctl's default, 10.2.X.1
done
topo_vm c1 C1 h1 11 # 10.2.1.11
topo_vm c2 C2 h2 12 # 10.2.2.12
topo_vm c3 C3 h1 13 # 10.2.3.13: h1 holds two of C's subnets
for vm in c1 c2 c3; do
	topo_add_vm "$vm"
	printf '  %s on %s: subnet VSID %s %s, CA %s, MAC %s, default route via %s\n' "$vm" \
		"$(vm_host "$vm")" "$(vm_vsid "$vm")" "${TOPO_PREFIX[$(vm_tenant "$vm")]}" "$(vm_ca "$vm")" \
		"$(vm_mac "$vm")" "$(vm_gw "$vm")"
	topo_vm_default_route "$vm"
done
echo "   (the gateway of each subnet defaults to its first host, its MAC to 02:4e:56 + the VSID)"
for h in $TOPO_HOSTS; do
	for x in 1 2 3; do
		on "$h" subnet add vsid "710$x" rdid 3 prefix "10.2.$x.0/24"
	done
done
for vm in c1 c2 c3; do
	echo "record add vsid $(vm_vsid "$vm") ca $(vm_ca "$vm") mac $(vm_mac "$vm") pa ${TOPO_PA[$(vm_host "$vm")]}"
done >"$TMP/table-c"
for h in $TOPO_HOSTS; do
	on "$h" batch file "$TMP/table-c"
done
for vm in c1 c2 c3; do
	on "$(vm_host "$vm")" port add dev "$(vm_port "$vm")" vsid "$(vm_vsid "$vm")" ca "$(vm_ca "$vm")" \
		mac "$(vm_mac "$vm")" deliver tc
done
on h1 subnet show
on h1 route show rdid 3
echo "  Across subnets, on one host and across hosts (the sending host routes):"
ping_from c1 10.2.2.12 # h1 -> h2, VSID 7101 -> 7102
ping_from c1 10.2.3.13 # h1 -> h1, never leaves the host
ping_from c2 10.2.3.13 # h2 -> h1
echo "  The router is one hop, its address the gateway CA (ICMP time exceeded from it):"
if command -v traceroute >/dev/null 2>&1; then
	printf '%sc1#%s traceroute -n 10.2.2.12\n' "$bold" "$plain"
	in_ns c1 timeout 20 traceroute -n -N 1 -q 1 -w 2 -m 5 10.2.2.12 2>&1 | sed 's/^/  /' || true
else
	echo "  (traceroute is not installed: .ci/install-deps.sh installs it)"
fi
printf '%sc1#%s ping -c 1 -t 1 10.2.2.12\n' "$bold" "$plain"
in_ns c1 ping -n -c 1 -t 1 -W 1 10.2.2.12 2>&1 | sed -n 's/^\(From .*\)/  \1/p' || true
echo "  Tenant C's 10.2.2.12 is an address tenants A and B do not route to: a1 -> 10.2.2.12"
ping_from a1 10.2.2.12

say "Path MTU: a VM whose MTU is the underlay's gets ICMP fragmentation needed, and learns 1458"
ip -n "$(ns_name h1)" link set "$(vm_port c1)" mtu 1500
ip -n "$(ns_name c1)" link set eth0 mtu 1500
printf '%sc1#%s ping -c 1 -M do -s 1472 10.2.2.12   (a 1500-byte packet, DF, MTU 1500)\n' "$bold" "$plain"
in_ns c1 ping -n -c 1 -W 1 -M "do" -s 1472 10.2.2.12 2>&1 | sed -n 's/^\(From .*\)/  \1/p' || true
printf '%sc1#%s ip route get 10.2.2.12\n' "$bold" "$plain"
in_ns c1 ip route get 10.2.2.12 | sed -n 's/^/  /p' | head -2
in_ns c1 ping -n -c 1 -W 1 -M "do" -s 1430 10.2.2.12 >/dev/null 2>&1 &&
	echo "  a 1458-byte packet with DF: reachable (the sending host counts MTU drops, rate-limited per port)"
ip -n "$(ns_name c1)" link set eth0 mtu "$TOPO_VM_MTU"
ip -n "$(ns_name h1)" link set "$(vm_port c1)" mtu "$TOPO_VM_MTU"

say "The gateway: h3 takes tenants A and B to an internet (NAT per routing domain), and back in"
ns_add inet # the internet: one server, 203.0.113.100
ip -n "$(ns_name h3)" link add ext type veth peer name eth0 netns "$(ns_name inet)"
ip -n "$(ns_name h3)" addr add 203.0.113.1/24 dev ext
ip -n "$(ns_name inet)" addr add 203.0.113.100/24 dev eth0
ip -n "$(ns_name h3)" link set ext up
ip -n "$(ns_name inet)" link set eth0 up
echo "  h3: external device ext 203.0.113.1/24 to the internet's server 203.0.113.100"
echo "  Every host: each tenant's gateway leg 10.0.0.250 at h3's PA, the wildcard record (CA 0.0.0.0)"
echo "  that lets outside sources in, and the default route via the leg (the same table everywhere):"
for t in "1 5001 02:4e:56:ff:00:01" "2 6001 02:4e:56:ff:00:02"; do
	read -r rdid vsid mac <<<"$t"
	printf 'record add vsid %s ca 10.0.0.250 mac %s pa %s\nrecord add vsid %s ca 0.0.0.0 mac %s pa %s\nroute add rdid %s prefix 0.0.0.0/0 nexthop 10.0.0.250\n' \
		"$vsid" "$mac" "${TOPO_PA[h3]}" "$vsid" "$mac" "${TOPO_PA[h3]}" "$rdid"
done >"$TMP/table-gw"
sed 's/^/  /' "$TMP/table-gw"
for h in $TOPO_HOSTS; do
	on "$h" batch file "$TMP/table-gw"
done
on h3 gateway add rdid 1 vsid 5001 ca 10.0.0.250 mac 02:4e:56:ff:00:01 dev ext mode nat
on h3 gateway add rdid 2 vsid 6001 ca 10.0.0.250 mac 02:4e:56:ff:00:02 dev ext mode nat
on h3 nat add rdid 1 external 203.0.113.10
on h3 nat add rdid 2 external 203.0.113.11
on h3 nat map add rdid 1 proto tcp external 203.0.113.10:8080 internal 10.0.0.1:80
on h3 gateway show
on h3 nat show
for vm in a1 b1; do
	topo_vm_default_route "$vm"
done
# A TCP server that answers each connection with the address:port it came from.
peer_srv='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
while True:
    c, a = s.accept(); c.sendall(("%s:%d" % a).encode()); c.close()'
peer_ask='import socket,sys
s=socket.socket(); s.settimeout(3)
if len(sys.argv) > 3: s.bind(("", int(sys.argv[3])))
s.connect((sys.argv[1], int(sys.argv[2]))); print(s.recv(64).decode())'
bg_in_ns inet /usr/bin/python3 -c "$peer_srv" 203.0.113.100 7000
srv=$BG_PID
bg_in_ns a1 /usr/bin/python3 -c "$peer_srv" 10.0.0.1 80
vmsrv=$BG_PID
sleep 0.5
for vm in a1 b1; do
	printf '  %s (tenant %s, 10.0.0.1:40000) -> 203.0.113.100:7000: the server saw %s\n' "$vm" \
		"$(vm_tenant "$vm")" "$(in_ns "$vm" timeout 5 /usr/bin/python3 -c "$peer_ask" 203.0.113.100 7000 40000 2>&1 || echo "no answer")"
done
ping_from a1 203.0.113.100
printf '  the internet -> 203.0.113.10:8080 (published): a1 saw %s\n' \
	"$(in_ns inet timeout 5 /usr/bin/python3 -c "$peer_ask" 203.0.113.10 8080 2>&1 || echo "no answer")"
bg_stop "$srv"
bg_stop "$vmsrv"
on h3 nat conn show

say "Host h3's whole policy as one file (nvctl export; its format: cli/nvctl-policy.schema.json)"
on h3 export "$TMP/h3.json"
cat "$TMP/h3.json"
echo "  A controller moves VM a2 (tenant A, 10.0.0.2) to h3's PA and applies the file: one change, in place;"
echo "  applying the export again moves it back:"
sed 's/"vsid":5001,"ca":"10.0.0.2","mac":"02:4e:56:00:00:02","pa":"192.0.2.2"/"vsid":5001,"ca":"10.0.0.2","mac":"02:4e:56:00:00:02","pa":"192.0.2.3"/' \
	"$TMP/h3.json" >"$TMP/h3-moved.json"
on h3 apply "$TMP/h3-moved.json" dry-run yes
on h3 apply "$TMP/h3-moved.json"
on h3 apply "$TMP/h3.json"

say "One lookup table kept centrally: h3 follows an etcd store (nvctl agent), written with etcdctl"
etcd_url=http://192.0.2.100:23790
run_dir_was=0
[ -d /run/nvgre-xdp ] && run_dir_was=1 # where the agent keeps its status
ip -n "$(ns_name sw)" addr add 192.0.2.100/24 dev br0 # the control plane, on the underlay
bg_in_ns sw etcd --name demo --data-dir "$TMP/etcd" --listen-client-urls "$etcd_url" \
	--advertise-client-urls "$etcd_url" --listen-peer-urls http://127.0.0.1:23800 \
	--initial-advertise-peer-urls http://127.0.0.1:23800 \
	--initial-cluster demo=http://127.0.0.1:23800 >"$TMP/etcd.log" 2>&1
etcdctl_sw() { in_ns sw env ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" "$@"; }
for i in $(seq 50); do etcdctl_sw endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
echo "  The store first gets h3's policy, one key per object (the agent deletes what the store lacks):"
/usr/bin/python3 - "$TMP/h3.json" h3 <<'PY' >"$TMP/h3.keys"
import json, sys
d, host = json.load(open(sys.argv[1])), sys.argv[2]
key = {"pas": lambda o: f"hosts/{host}/pas/{o['pa']}", "subnets": lambda o: f"subnets/{o['vsid']}",
       "routes": lambda o: f"routes/{o['rdid']}/{o['prefix']}/" + (f"nexthop/{o['nexthop']}" if "nexthop" in o else f"vsid/{o['vsid']}"),
       "ports": lambda o: f"hosts/{host}/ports/{o['dev']}", "records": lambda o: f"records/{o['vsid']}/{o['ca']}"}
for kind, f in key.items():
    for o in d.get(kind, []):
        print("/demo/" + f(o)); print(json.dumps(o, separators=(",", ":")))
PY
while read -r k && read -r v; do etcdctl_sw put -- "$k" "$v" >/dev/null; done <"$TMP/h3.keys"
etcdctl_sw get --prefix --keys-only /demo/ | sed '/^$/d; s/^/  /' | head -8
echo "  ... $(($(wc -l <"$TMP/h3.keys") / 2)) keys"
printf '%sh3#%s nvctl agent run etcd %s prefix /demo/ host h3 &\n' "$bold" "$plain" "$etcd_url"
bg_in_ns h3 "$NVCTL" --pin-dir "$(pin_dir h3)" agent run etcd "$etcd_url" prefix /demo/ host h3 \
	2> >(sed -u 's/^/  /')
agent_pid=$BG_PID
sleep 1
printf '%scontroller#%s etcdctl put /demo/records/5001/10.0.0.2 (a2 moved to h3 PA 192.0.2.3)\n' "$bold" "$plain"
etcdctl_sw put /demo/records/5001/10.0.0.2 \
	'{"vsid":5001,"ca":"10.0.0.2","mac":"02:4e:56:00:00:02","pa":"192.0.2.3"}' >/dev/null
printf '%scontroller#%s etcdctl put /demo/records/5001/10.0.0.9 garbage (skipped, counted)\n' "$bold" "$plain"
etcdctl_sw put /demo/records/5001/10.0.0.9 'not json' >/dev/null
sleep 0.5
on h3 record show vsid 5001
on h3 agent status
printf '%scontroller#%s etcdctl del /demo/records/5001/10.0.0.9; put the record of a2 back\n' "$bold" "$plain"
etcdctl_sw del /demo/records/5001/10.0.0.9 >/dev/null
etcdctl_sw put /demo/records/5001/10.0.0.2 \
	'{"vsid":5001,"ca":"10.0.0.2","mac":"02:4e:56:00:00:02","pa":"192.0.2.2"}' >/dev/null
sleep 0.5
bg_stop "$agent_pid" TERM
echo "  The agent stopped (SIGTERM); h3 keeps its datapath as the store left it."

say "Reliability: the programs against the reference model (tests/prop), 100,000 generated frames"
printf '%s#%s %s --frames 100000\n' "$bold" "$plain" "$PROP"
"$PROP" --frames 100000 2>&1 | sed 's/^/  /'

say "Tearing down: detach every datapath (programs, filters, qdiscs, pins), delete the namespaces"
for h in $TOPO_HOSTS; do
	on "$h" dp detach
done
netns_cleanup
[ "$run_dir_was" = 1 ] || rmdir /run/nvgre-xdp 2>/dev/null || true
echo "done: nothing left behind"
