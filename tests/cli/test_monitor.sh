#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# nvctl monitor and nvctl trace: every bad argument (exit 2, "Error: " naming it, {"error": ...}
# under -j), the runtime errors (exit 1: no datapath, a device that is not a port, an unreadable
# pcap), and on a small attached datapath in a private netns and pin directory: a trace in text
# and JSON that leaves the counters alone, monitor's count and its summary, the event mode put back.
# Usage: tests/cli/test_monitor.sh [BUILD_DIR]   (default: build). As root.
# Prints "ok N - name" / "not ok N - name" per test, then "N passed, M failed"; exits 1 on failure.
set -u

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# lib.sh: the host namespace (no IPv6: the VM side would send router solicitations, which vm1
# drops, and counts, and reports), PIN, nv, nv_none (an instance never attached).
cli_preamble nvgre-mon "${1:-build}" ip nsenter
NOPIN="$PIN-none"
# shellcheck disable=SC2016 # expanded by the shell in the namespace
in_host sh -ec '
	ip link add ul0 type veth peer name ul1
	ip link add vm1 type veth peer name vm1p
	ip addr add 192.0.2.1/24 dev ul0
	for d in ul0 ul1 vm1 vm1p; do ip link set $d up; done' || die "devices"

# What a command could change here (bad checks it is the same afterwards): which instance
# directories exist and, on an attached one, the maps as nvctl shows them and the event mode and
# rate (not the event counters: traffic moves those).
snapshot() {
	local o
	ls -d "$PIN" "$NOPIN" 2>/dev/null
	[ -d "$PIN" ] || return 0
	for o in record port subnet route; do
		in_host "$NVCTL" --pin-dir "$PIN" -j $o show 2>&1
	done
	events_config "$PIN"
}

# expect_err CODE WORD RUNNER ARGS...: bad (tap.sh), named after the command: exit CODE, "Error: "
# on stderr naming WORD, nothing on stdout; under -j and -j -p the same exit code with
# {"error": ...} naming WORD alone on stdout; nothing changed.
expect_err() {
	local code=$1 word=$2
	RUNNER=$3 BAD_PREFIX="" bad "nvctl ${*:4} -> exit $code naming \"$word\"" "$code" "$word" "${@:4}"
}

# ---- usage errors: exit 2, before anything is opened ----
expect_err 2 '"bogus"' nv_none monitor bogus
expect_err 2 '"bogus"' nv_none monitor drops bogus 1
expect_err 2 'vsid "12"' nv_none monitor vsid 12
expect_err 2 'dev "nosuchdev"' nv_none monitor trace dev nosuchdev
expect_err 2 'count "0"' nv_none monitor count 0
expect_err 2 'count "x"' nv_none monitor drops count x
expect_err 2 'vsid given twice' nv_none monitor vsid 5001 vsid 5002
expect_err 2 'unknown command "bogus"' nv_none trace bogus
expect_err 2 'port' nv_none trace port
expect_err 2 '"nosuchdev": no such network device' nv_none trace port nosuchdev dst 10.0.0.2
expect_err 2 'missing dst' nv_none trace port lo
expect_err 2 'dst "10.0.0"' nv_none trace port lo dst 10.0.0
expect_err 2 'src "::1"' nv_none trace port lo src ::1 dst 10.0.0.2
expect_err 2 'proto "sctpx"' nv_none trace port lo dst 10.0.0.2 proto sctpx
expect_err 2 'proto "256"' nv_none trace port lo dst 10.0.0.2 proto 256
expect_err 2 'dport "65536"' nv_none trace port lo dst 10.0.0.2 proto udp dport 65536
expect_err 2 'sport needs proto tcp or udp' nv_none trace port lo dst 10.0.0.2 sport 5
expect_err 2 'src-mac "02:00"' nv_none trace port lo dst 10.0.0.2 src-mac 02:00
expect_err 2 'frame: not hex' nv_none trace port lo frame 0011zz
expect_err 2 'frame: odd number' nv_none trace port lo frame 001122334455667788990011223
expect_err 2 'frame: 3 bytes' nv_none trace port lo frame 001122
expect_err 2 'dst cannot be used with frame' nv_none trace port lo frame \
	ffffffffffff020000000001080600010800060400010200000000010a0000010000000000000a000002 dst 10.0.0.2
expect_err 2 'frame and pcap' nv_none trace port lo frame 00112233445566778899aabbccdd pcap x
expect_err 2 'missing vsid' nv_none trace underlay src 10.0.0.1 dst 10.0.0.2
expect_err 2 'missing src' nv_none trace underlay vsid 5001 dst 10.0.0.2
expect_err 2 'unknown argument "vsid"' nv_none trace port lo vsid 5001 dst 10.0.0.2
echo "monitor drops" >"$TMP/batch"
expect_err 2 'cannot be used in a batch' nv_none batch file "$TMP/batch"
echo "monitor vsid 5001" >"$TMP/batch2"
expect_err 2 'cannot be used in a batch' nv_none batch file "$TMP/batch2"

# ---- runtime errors: exit 1 ----
expect_err 1 'no datapath attached' nv_none monitor
expect_err 1 'no datapath attached' nv_none trace port lo dst 10.0.0.2
expect_err 1 "pcap \"$TMP/nosuch.pcap\"" nv_none trace port lo pcap "$TMP/nosuch.pcap"
echo "not a capture" >"$TMP/bad.pcap"
expect_err 1 "pcap \"$TMP/bad.pcap\"" nv_none trace port lo pcap "$TMP/bad.pcap"

# ---- on an attached datapath ----
begin "attach a datapath with one port"
nv_ok dp attach dev ul0 pa 192.0.2.1
nv_ok subnet add vsid 5001 rdid 1 prefix 10.0.0.0/24 gateway 10.0.0.254
nv_ok record add vsid 5001 ca 10.0.0.1 mac 02:4e:56:00:00:01 pa 192.0.2.1
nv_ok record add vsid 5001 ca 10.0.0.2 mac 02:4e:56:00:00:02 pa 192.0.2.2
nv_ok port add dev vm1 vsid 5001 ca 10.0.0.1 mac 02:4e:56:00:00:01
end
if tap_failing; then tap_bail "cannot go on without a datapath"; fi
expect_err 1 '"ul1" is not a port' nv trace port ul1 dst 10.0.0.2

begin "trace port vm1 src 10.0.0.9 (JSON): drop SPOOF_CA, counters unchanged"
nv_ok -j stats show
printf '%s' "$OUT" >"$TMP/s0"
nv_ok -j trace port vm1 src 10.0.0.9 dst 10.0.0.2
out=$OUT
nv_ok -j stats show
printf '%s' "$OUT" >"$TMP/s1"
v=$($PY -c 'import json, sys; t = json.loads(sys.argv[1]); print(t["verdict"], t["reason"], t["live_counters_untouched"], t["stages"][0]["hook"])' "$out" 2>&1)
[ "$v" = "drop SPOOF_CA True from_vm" ] || fail "got [$v] from [$out]"
cmp -s "$TMP/s0" "$TMP/s1" || fail "the counters changed: $(diff "$TMP/s0" "$TMP/s1" | head -4)"
end

begin "trace port vm1 dst 10.0.0.2 proto udp dport 53 (text): encapsulated to ul0"
nv_ok trace port vm1 dst 10.0.0.2 proto udp dport 53
out=$OUT
grep -q "^from_vm on vm1 (prog id [0-9]*): redirect -> ul0 \[TC_ACT_REDIRECT\]$" <<<"$out" ||
	fail "no redirect to ul0 in [$out]"
grep -q "output: .* bytes: 192.0.2.1 -> 192.0.2.2 vsid 5001 flow [0-9]*: 10.0.0.1:49152 -> 10.0.0.2:53 udp" <<<"$out" ||
	fail "no encapsulated output in [$out]"
grep -q "live counters untouched" <<<"$out" || fail "does not say the counters were untouched"
end

# A pcap written by scapy (python3-scapy, installed for the e2e suite too).
begin "trace port vm1 pcap FILE: redirect to ul0"
if ! $PY -c 'import scapy' 2>/dev/null; then
	fail "python3 has no scapy (.ci/install-deps.sh installs python3-scapy)"
else
	$PY - "$TMP/one.pcap" <<-'EOF'
		import sys
		from scapy.all import Ether, IP, ICMP, wrpcap
		wrpcap(sys.argv[1], [Ether(src="02:4e:56:00:00:01", dst="02:4e:56:00:00:02")
		                     / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP()])
	EOF
	nv_ok -j trace port vm1 pcap "$TMP/one.pcap"
	v=$($PY -c 'import json, sys; t = json.loads(sys.argv[1]); print(t["verdict"], t["target"])' "$OUT" 2>&1)
	[ "$v" = "redirect ul0" ] || fail "got [$v] from [$OUT]"
fi
end

# ---- the distributed router, as trace shows it ----
# Tenant 1 gets a second subnet 5002 (10.1.0.0/24, gateway MAC 02:4e:56:00:13:8a) with a remote
# VM, a router VM 10.0.0.9 in 5001 as the default route, and its gateway wildcard record.
begin "routing setup: subnet 5002, a remote VM there, a default route via 10.0.0.9, the wildcard"
nv_ok subnet add vsid 5002 rdid 1 prefix 10.1.0.0/24
nv_ok record add vsid 5002 ca 10.1.0.7 mac 02:4e:56:00:01:07 pa 192.0.2.2
nv_ok record add vsid 5001 ca 10.0.0.9 mac 02:4e:56:00:00:09 pa 192.0.2.3
nv_ok record add vsid 5001 ca 0.0.0.0 mac 02:4e:56:00:00:fe pa 192.0.2.4
nv_ok route add rdid 1 prefix 0.0.0.0/0 nexthop 10.0.0.9
end

# lookup MAP ROLE_OR_KEY FOUND: the JSON trace in $OUT has a lookup of MAP whose key has that role
# (or ca/addr), found or not.
lookup() {
	printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == '$1' and '$2' in (x['key'].get('role'), x['key'].get('ca'), x['key'].get('addr')) and x['found'] == $3]"
}

begin "trace port vm1 dst 10.1.0.7 (JSON): routed by the (RDID, CA) index and its record copy, destination VSID in the key"
nv_ok -j trace port vm1 dst 10.1.0.7
printf '%s' "$OUT" | json_true "d['verdict'] == 'redirect' and d['target'] == 'ul0' and d['input']['frame']['dst_mac'] == '02:4e:56:00:13:89'" ||
	fail "not sent to the gateway MAC, or not encapsulated: $OUT"
printf '%s' "$OUT" | json_true "(lambda f: f['outer']['vsid'] == 5002 and f['outer']['dst'] == '192.0.2.2' and f['src_mac'] == '02:4e:56:00:13:8a' and f['dst_mac'] == '02:4e:56:00:01:07' and f['ttl'] == 63)(d['stages'][0]['output']['frame'])" ||
	fail "routed output: $OUT"
printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == 'nv_rdid_cas' and x['key'] == {'rdid': 1, 'ca': '10.1.0.7', 'role': 'destination'} and x['value'] == {'vsid': 5002, 'gateway_mac': '02:4e:56:00:13:8a', 'pa': '192.0.2.2', 'mac': '02:4e:56:00:01:07', 'local_pa': False, 'ifindex': 0, 'port': None}]" ||
	fail "no nv_rdid_cas lookup with the record's copy: $OUT"
printf '%s' "$OUT" | json_true "not [x for x in d['lookups'] if x['map'] == 'nv_records' and x['key']['ca'] == '10.1.0.7']" ||
	fail "the record looked up again after the index gave its copy: $OUT"
printf '%s' "$OUT" | json_true "not [x for x in d['lookups'] if x['map'] == 'nv_subnets']" ||
	fail "a subnet looked up for an exact record (the index and the port give the gateway MACs): $OUT"
lookup nv_routes 10.1.0.7 True && fail "a route was looked up though the record was found: $OUT"
end

begin "trace port vm1 dst 198.51.100.7 (text): the default route, then the next hop's record"
nv_ok trace port vm1 dst 198.51.100.7
grep -q "^  nv_rdid_cas   rdid 1 198.51.100.7 (destination) *not found$" <<<"$OUT" || fail "no index miss: $OUT"
grep -q "^  nv_routes     rdid 1 198.51.100.7 *found: 0.0.0.0/0 via 10.0.0.9 vsid 5001 metric 0$" <<<"$OUT" || fail "no route: $OUT"
grep -q "^  nv_records    5001 10.0.0.9 (next hop) *found: pa 192.0.2.3 mac 02:4e:56:00:00:09$" <<<"$OUT" || fail "no next hop record: $OUT"
grep -q "output: .* bytes: 192.0.2.1 -> 192.0.2.3 vsid 5001 flow [0-9]*: 10.0.0.1 -> 198.51.100.7 icmp .*(02:4e:56:00:13:89 -> 02:4e:56:00:00:09)" <<<"$OUT" ||
	fail "not encapsulated to the next hop: $OUT"
end

begin "trace port vm1 dst 10.1.0.66 (JSON): the on-link route, no record, no wildcard in 5002: ROUTE_NO_RECORD"
nv_ok -j trace port vm1 dst 10.1.0.66
printf '%s' "$OUT" | json_true "d['verdict'] == 'drop' and d['reason'] == 'ROUTE_NO_RECORD'" || fail "verdict: $OUT"
printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == 'nv_routes' and x['value'] == {'prefix': '10.1.0.0/24', 'nexthop': None, 'vsid': 5002, 'metric': 0, 'subnet': True}]" ||
	fail "no on-link route: $OUT"
lookup nv_records "gateway wildcard" False || fail "no wildcard lookup in 5002: $OUT"
end

begin "trace port vm1: ARP for the gateway is answered with its MAC; a ping to it is dropped (GATEWAY_CA)"
nv_ok -j trace port vm1 frame ffffffffffff024e5600000108060001080006040001024e560000010a0000010000000000000a0000fe
printf '%s' "$OUT" | json_true "d['verdict'] == 'redirect' and d['target'] == 'vm1'" || fail "ARP verdict: $OUT"
printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == 'nv_subnets' and x['key'].get('role') == 'ARP target: gateway' and x['value'] == {'gateway': '10.0.0.254', 'gateway_mac': '02:4e:56:00:13:89'}]" ||
	fail "no gateway lookup: $OUT"
nv_ok -j trace port vm1 dst 10.0.0.254
printf '%s' "$OUT" | json_true "d['verdict'] == 'drop' and d['reason'] == 'GATEWAY_CA'" || fail "ping the gateway: $OUT"
end

begin "trace underlay vsid 5001 src 10.1.0.7 (routed from 5002): destination first, the source's record copy from the RDID index"
nv_ok -j trace underlay vsid 5001 src 10.1.0.7 dst 10.0.0.1
printf '%s' "$OUT" | json_true "d['verdict'] == 'redirect' and d['target'] == 'vm1' and d['input']['frame']['outer']['src'] == '192.0.2.2' and d['input']['frame']['src_mac'] == '02:4e:56:00:13:89'" ||
	fail "verdict or built frame: $OUT"
printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == 'nv_rdid_cas' and x['key'] == {'rdid': 1, 'ca': '10.1.0.7', 'role': 'inner source'} and x['value']['vsid'] == 5002 and x['value']['pa'] == '192.0.2.2']" ||
	fail "no index lookup of the inner source: $OUT"
printf '%s' "$OUT" | json_true "[x['map'] for x in d['lookups']] == ['nv_local_pas', 'nv_records', 'nv_rdid_cas', 'nv_ports'] and d['lookups'][1]['key']['role'] == 'inner destination'" ||
	fail "not the receiver's order (destination record, then the routed source's index entry, from the gateway MAC): $OUT"
end

begin "trace underlay vsid 5001 src 203.0.113.9 (outside the RDID): from the wildcard's PA, else GATEWAY_PA"
nv_ok -j trace underlay vsid 5001 src 203.0.113.9 dst 10.0.0.1
printf '%s' "$OUT" | json_true "d['verdict'] == 'redirect' and d['input']['frame']['outer']['src'] == '192.0.2.4'" || fail "from the wildcard's PA: $OUT"
printf '%s' "$OUT" | json_true "[x for x in d['lookups'] if x['map'] == 'nv_rdid_cas' and x['key']['ca'] == '0.0.0.0' and x['value']['vsid'] == 5001 and x['value']['pa'] == '192.0.2.4']" ||
	fail "no wildcard lookups: $OUT"
nv_ok -j trace underlay vsid 5001 src 203.0.113.9 dst 10.0.0.1 outer-src 192.0.2.2
printf '%s' "$OUT" | json_true "d['verdict'] == 'drop' and d['reason'] == 'GATEWAY_PA'" || fail "from another PA: $OUT"
end

begin "route del: the traced frame has no route at once (NO_ROUTE); the setup taken back"
nv_ok route del rdid 1 prefix 0.0.0.0/0
nv_ok -j trace port vm1 dst 198.51.100.7
printf '%s' "$OUT" | json_true "d['verdict'] == 'drop' and d['reason'] == 'NO_ROUTE'" || fail "after route del: $OUT"
lookup nv_routes 198.51.100.7 False || fail "route lookup not shown as not found: $OUT"
nv_ok record del vsid 5001 ca 0.0.0.0
nv_ok record del vsid 5001 ca 10.0.0.9
nv_ok record del vsid 5002 ca 10.1.0.7
nv_ok subnet del vsid 5002
end

# Pinned programs that are not this nvctl's (an older datapath): trace refuses, naming the cure.
# bpftool is a build dependency.
{
	stale="$PIN/stale"
	progs="$PIN/progs-v$("$NVCTL" -V | sed -n 's/.*ABI v\([0-9]*\).*/\1/p')"
	if bpftool prog loadall "$build/bpf/noop.bpf.o" "$stale" &&
		mv "$progs/nv_from_vm" "$stale/keep" && mv "$stale/nv_noop_tc" "$progs/nv_from_vm"; then
		expect_err 1 'attached programs differ from this nvctl: reload' nv trace port vm1 \
			dst 10.0.0.2
		mv "$progs/nv_from_vm" "$stale/nv_noop_tc" && mv "$stale/keep" "$progs/nv_from_vm"
	else
		begin "swap a pinned program for a no-op one"
		fail "bpftool or mv failed"
		end
	fi
	rm -rf "$stale"
}

# monitor: count ends it, the mode comes back, the summary counts what it showed.
event_mode() {
	nv -j events show
	printf '%s' "$OUT" | $PY -c 'import json, sys; print(json.load(sys.stdin)["mode"])'
}
begin "monitor drops count 2: two SPOOF_MAC events, summary, mode put back"
mode0=$(event_mode)
bg_in_ns host "$NVCTL" --pin-dir "$PIN" -j monitor drops count 2 >"$TMP/mon" 2>&1
mon=$BG_PID
for _ in $(seq 100); do
	[ "$(event_mode)" = drops ] && break
	sleep 0.05
done
# Frames from the VM side of vm1 with a MAC that is not the port's: SPOOF_MAC drops.
in_host "$PY" -c 'import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("vm1p", 0))
for _ in range(3):
    s.send(bytes.fromhex("024e56000002" "024e56000099" "0800") + bytes(46))'
rc=0
timeout 10 tail --pid="$mon" -f /dev/null || { kill -INT "$mon"; rc=timeout; }
wait "$mon" || rc=$?
bg_forget "$mon"
v=$($PY - "$TMP/mon" <<-'EOF'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1])]
	print(" ".join(f'{o["hook"]}/{o["dev"]}/{o["reason"]}' for o in lines if "hook" in o),
	      lines[-1].get("summary", {}).get("shown"))
EOF
)
[ "$rc" = 0 ] || fail "monitor exit $rc: $(cat "$TMP/mon")"
[ "$v" = "from_vm/vm1/SPOOF_MAC from_vm/vm1/SPOOF_MAC 2" ] || fail "got [$v]"
mode1=$(event_mode)
[ "$mode1" = "$mode0" ] || fail "event mode $mode1 after the monitor, $mode0 before"
end

tap_done
