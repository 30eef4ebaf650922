#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# nvctl's observability commands against a real datapath carrying real traffic: two VMs on one
# host (each in its own network namespace) ping each other through it. Checks `stats show` per
# port, `events show/set`, `metrics show` (promtool's lint, values equal to `stats show -j`) and
# `metrics listen` (HTTP status and headers, 404, 503 after detach, the instance lock not held,
# SIGTERM/SIGINT exit 0 and free the port), and every usage error.
# Usage: tests/cli/test_metrics.sh [BUILD_DIR]   (default: build). As root.
# Prints "ok N - name" / "not ok N - name" per test, then "N passed, M failed"; exits 1 on failure.
set -u

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# ---- the private world: the host namespace (lib.sh; IPv6 on lo only, for the [::1] listener),
# two VM namespaces, one instance directory ----
HOST_IPV6=lo cli_preamble nvgre-met "${1:-build}" ip nsenter timeout ping curl promtool ss
PORT=9489 # the host namespace is ours: no other listener there

# shellcheck disable=SC2016
in_host sh -ec '
	ip link add ul0 type veth peer name ul1
	ip link set ul0 up
	ip link set ul1 up
	ip link add vm3 type veth peer name vm3p' || die "devices"
# No IPv6 in the VMs (netns.sh): router solicitations and the like would be dropped and counted
# while the test compares counters. VM n: 10.0.0.n, MAC 02:00:00:00:00:0n, host side vmN, VM side
# vmNp.
for i in 1 2; do
	ns_add "vm$i"
	in_host ip link add "vm$i" type veth peer name "vm${i}p" netns "$(ns_path "vm$i")" || die "vm$i"
	in_ns "vm$i" sh -ec "ip link set vm${i}p address 02:00:00:00:00:0$i
		ip addr add 10.0.0.$i/24 dev vm${i}p
		ip link set vm${i}p up" || die "vm$i"
	in_host ip link set "vm$i" up || die "vm$i"
done

# ---- running nvctl, the test protocol: lib.sh, tap.sh ----

# What a command could change here: the maps as nvctl shows them, and the event mode and rate.
# Not the event counters: the datapath moves them (an event per drop while the mode is drops),
# whatever the command does.
snapshot()
{
	local o
	for o in subnet port record; do
		in_host "$NVCTL" --pin-dir "$PIN" -j $o show 2>&1
	done
	events_config "$PIN"
}

# bad NAME RC WORD ARGS... (tap.sh): exit RC, "Error: ..." naming WORD on stderr and nothing on
# stdout, {"error": "...WORD..."} under -j and -j -p, and nothing changed.

# Prometheus text on stdin -> JSON {"name{sorted labels}": value}, for comparisons in Python.
prom_json()
{
	"$PY" -c '
import json, re, sys
out = {}
lab = re.compile(r"(\w+)=\"((?:[^\"\\]|\\.)*)\"")
for line in sys.stdin.read().splitlines():
    if not line or line.startswith("#"):
        continue
    m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
    if not m:
        sys.exit(f"unparsable line: {line!r}")
    labels = ",".join(f"{k}={v}" for k, v in sorted(lab.findall(m.group(2) or "")))
    out[f"{m.group(1)}{{{labels}}}"] = float(m.group(3))
print(json.dumps(out))'
}
# The metric family names (from the TYPE lines) of a page on stdin, sorted.
families() { sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort; }

# =====================================================================================
begin "setup: attach, two subnets, two VMs bound as ports of 5001"
nv_ok dp attach dev ul0 pa 192.0.2.1
nv_ok subnet add vsid 5001 rdid 1 prefix 10.0.0.0/24 gateway 10.0.0.254
nv_ok subnet add vsid 5002 rdid 2 prefix 10.2.0.0/24
nv_ok record add vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01 pa 192.0.2.1
nv_ok record add vsid 5001 ca 10.0.0.2 mac 02:00:00:00:00:02 pa 192.0.2.1
nv_ok port add dev vm1 vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01
nv_ok port add dev vm2 vsid 5001 ca 10.0.0.2 mac 02:00:00:00:00:02
end
if tap_failing; then tap_bail "cannot go on without a datapath"; fi

# =====================================================================================
# events (before any traffic: the totals are still zero)
# =====================================================================================
begin "events show: off by default, default rate, zero totals (text and JSON)"
nv_ok -j events show
printf '%s' "$OUT" | json_true "d == {'mode': 'off', 'rate': 1000, 'rate_default': True, 'emitted': 0, 'rate_limited': 0, 'ring_full': 0}" ||
	fail "-j events show: $OUT"
nv_ok events show
for w in "^mode  *off$" "^rate  *1000 per second per CPU (default)$" "^emitted  *0$" "^rate_limited  *0$" "^ring_full  *0$"; do
	printf '%s\n' "$OUT" | grep -q "$w" || fail "no '$w' in: $OUT"
done
end

begin "events set: mode round trip; rate kept when omitted"
nv_ok events set mode drops
[ -z "$OUT$ERR" ] || fail "events set printed: $OUT $ERR"
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'drops' and d['rate'] == 1000" || fail "after mode drops: $OUT"
nv_ok events set mode trace rate 10000000
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'trace' and d['rate'] == 10000000 and not d['rate_default']" ||
	fail "after mode trace rate 10000000: $OUT"
nv_ok events set mode off
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'off' and d['rate'] == 10000000" || fail "rate not kept: $OUT"
nv_ok events set mode off rate 1
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'off' and d['rate'] == 1" || fail "after rate 1: $OUT"
end

bad "events set: unknown mode" 2 '"fast"' events set mode fast
bad "events set: mode in capitals" 2 '"DROPS"' events set mode DROPS
bad "events set: missing mode" 2 "missing mode" events set rate 5
bad "events set: mode without value" 2 "mode needs a value" events set mode
bad "events set: rate 0" 2 'rate "0"' events set mode drops rate 0
bad "events set: rate over 10000000" 2 10000001 events set mode drops rate 10000001
bad "events set: rate not a number" 2 fast events set mode drops rate fast
bad "events set: rate given twice" 2 "rate given twice" events set mode drops rate 5 rate 6
bad "events set: unknown keyword" 2 '"burst"' events set mode drops burst 5
bad "events set: mode as a positional" 2 '"drops"' events set drops
bad "events show: extra argument" 2 '"all"' events show all

printf 'events set mode trace rate 77\nsubnet add vsid 5001 rdid 9 prefix 10.9.0.0/24\n' >"$TMP/events-fail.batch"
bad "batch: events set is taken back when a later line fails" 1 "line 2" batch file "$TMP/events-fail.batch"
begin "batch: events set applies in a good batch"
printf 'events set mode drops rate 500\n' >"$TMP/events.batch"
nv_ok batch file "$TMP/events.batch"
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'drops' and d['rate'] == 500" || fail "after batch: $OUT"
end

# =====================================================================================
# traffic: vm1 <-> vm2 on this host, and drops (ARP for a CA without record)
# =====================================================================================
begin "traffic: vm1 pings vm2 and vm2 pings vm1 through the datapath"
in_ns vm1 ping -c 5 -i 0.2 -W 2 10.0.0.2 >"$TMP/ping" 2>&1 || fail "vm1 -> vm2: $(cat "$TMP/ping")"
in_ns vm2 ping -c 3 -i 0.2 -W 2 10.0.0.1 >"$TMP/ping" 2>&1 || fail "vm2 -> vm1: $(cat "$TMP/ping")"
# ARP requests for 10.0.0.9 (no record): dropped as ARP_UNKNOWN, counted to vm1's port.
in_ns vm1 ping -c 1 -W 1 10.0.0.9 >/dev/null 2>&1 && fail "10.0.0.9 answered: it has no record"
# ping gives up after 1 s, the kernel's neighbour entry does not: two more broadcast requests
# follow, 1 s apart (mcast_solicit 3), each one more ARP_UNKNOWN drop and event, in the middle of
# the tests below that compare counters. Flushing the entry ends them.
in_ns vm1 ip neigh flush dev vm1p
end

begin "stats show: per-port counters in text (device, ifindex, VSID, CA, tx/rx/drop)"
nv_ok stats show
printf '%s\n' "$OUT" | grep -q '^PORT  *IFINDEX  *VSID  *CA  *TX_PACKETS  *TX_BYTES  *RX_PACKETS  *RX_BYTES  *DROP_PACKETS  *DROP_BYTES$' ||
	fail "no port header: $OUT"
ifx1=$(in_host ip -o link show dev vm1 | cut -d: -f1)
printf '%s\n' "$OUT" | grep -Eq "^vm1 +$ifx1 +5001 +10\.0\.0\.1 +[1-9]" || fail "no vm1 row with traffic: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^vm2 +[0-9]+ +5001 +10\.0\.0\.2 +[1-9]' || fail "no vm2 row with traffic: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^ARP_UNKNOWN +[1-9]' || fail "no ARP_UNKNOWN drop: $OUT"
end

begin "stats show -j: a ports array with every field; the VSID's totals are its ports' sums"
nv_ok -j stats show
printf '%s' "$OUT" >"$TMP/stats.json"
printf '%s' "$OUT" | json_true "(
sorted(d) == ['drops', 'ports', 'vsids'] and
sorted(p['dev'] for p in d['ports']) == ['vm1', 'vm2'] and
all(sorted(p) == sorted(['dev', 'ifindex', 'vsid', 'ca', 'tx_packets', 'tx_bytes', 'rx_packets',
    'rx_bytes', 'drop_packets', 'drop_bytes']) for p in d['ports']) and
[p for p in d['ports'] if p['dev'] == 'vm1' and p['ifindex'] == $ifx1 and p['vsid'] == 5001 and
    p['ca'] == '10.0.0.1' and p['tx_packets'] >= 8 and p['rx_packets'] >= 8 and p['drop_packets'] >= 1] and
[p for p in d['ports'] if p['dev'] == 'vm2' and p['tx_packets'] >= 8 and p['rx_packets'] >= 8] and
all(v['tx_packets'] == sum(p['tx_packets'] for p in d['ports'] if p['vsid'] == v['vsid']) and
    v['rx_bytes'] == sum(p['rx_bytes'] for p in d['ports'] if p['vsid'] == v['vsid']) for v in d['vsids']))" ||
	fail "stats show -j: $OUT"
end

begin "stats show dev DEV / vsid VSID: that port (and its VSID) only"
nv_ok -j stats show dev vm2
printf '%s' "$OUT" | json_true "[p['dev'] for p in d['ports']] == ['vm2'] and [v['vsid'] for v in d['vsids']] == [5001]" ||
	fail "dev vm2: $OUT"
nv_ok -j stats show vsid 5002
printf '%s' "$OUT" | json_true "d['ports'] == [] and [v['vsid'] for v in d['vsids']] == [5002]" || fail "vsid 5002: $OUT"
nv_ok -j stats show vsid 5001 dev vm1
printf '%s' "$OUT" | json_true "[p['dev'] for p in d['ports']] == ['vm1']" || fail "vsid 5001 dev vm1: $OUT"
end
bad "stats show dev: not a port" 1 vm3 stats show dev vm3
bad "stats show dev: no such device" 2 nosuchdev0 stats show dev nosuchdev0
bad "stats show dev and vsid disagree" 1 5002 stats show vsid 5002 dev vm1

begin "events: drops raised events while mode was drops (emitted counted)"
nv_ok -j events show
printf '%s' "$OUT" | json_true "d['mode'] == 'drops' and d['emitted'] >= 1" || fail "events show: $OUT"
nv_ok events set mode off
end

# =====================================================================================
# metrics show
# =====================================================================================
begin "metrics show: promtool check metrics finds nothing to complain about"
nv_ok metrics show
printf '%s\n' "$OUT" >"$TMP/page"
lint=$(promtool check metrics <"$TMP/page" 2>&1) || fail "promtool: $lint"
[ -z "$lint" ] || fail "promtool: $lint"
end

begin "metrics show: the documented families, every drop reason (zeros too), the info metric"
families <"$TMP/page" >"$TMP/families"
for f in nvgre_datapath_info nvgre_map_entries nvgre_map_max_entries \
	nvgre_vsid_tx_packets_total nvgre_vsid_tx_bytes_total nvgre_vsid_rx_packets_total \
	nvgre_vsid_rx_bytes_total nvgre_port_tx_packets_total nvgre_port_tx_bytes_total \
	nvgre_port_rx_packets_total nvgre_port_rx_bytes_total nvgre_port_drop_packets_total \
	nvgre_port_drop_bytes_total nvgre_drops_packets_total nvgre_drops_bytes_total \
	nvgre_events_emitted_total nvgre_events_rate_limited_total nvgre_events_ring_full_total \
	nvgre_events_mode nvgre_events_rate_limit; do
	grep -qx "$f" "$TMP/families" || fail "no family $f"
done
# The version the header declares, not what nvctl says of itself: a wrong label fails.
abi=$(sed -n 's/^#define NV_ABI_VERSION \([0-9]*\)$/\1/p' "$(dirname "$0")/../../maps/nvgre_abi.h")
[ -n "$abi" ] || fail "no NV_ABI_VERSION in maps/nvgre_abi.h"
grep -qx "nvgre_datapath_info{abi=\"$abi\",underlay=\"ul0\",pa=\"192.0.2.1\",pin_dir=\"$PIN\"} 1" "$TMP/page" ||
	fail "info: $(grep '^nvgre_datapath_info' "$TMP/page")"
grep -qx 'nvgre_map_entries{map="records"} 2' "$TMP/page" || fail "records gauge: $(grep '^nvgre_map_entries' "$TMP/page")"
grep -qx 'nvgre_map_entries{map="ports"} 2' "$TMP/page" || fail "ports gauge"
grep -qx 'nvgre_map_entries{map="subnets"} 2' "$TMP/page" || fail "subnets gauge"
grep -qx 'nvgre_events_mode{mode="off"} 1' "$TMP/page" || fail "events mode: $(grep '^nvgre_events_mode' "$TMP/page")"
grep -qx 'nvgre_events_rate_limit 500' "$TMP/page" || fail "events rate: $(grep '^nvgre_events_rate_limit' "$TMP/page")"
end

begin "metrics show: values equal nvctl -j stats show and events show after the traffic"
nv_ok -j stats show
stats=$OUT
nv_ok -j events show
events=$OUT
nv_ok metrics show
printf '%s\n' "$OUT" | prom_json >"$TMP/page.json" || fail "page not parsed"
# The script prints what differs; it fails (and so the test) when it cannot compare.
why=$("$PY" -c '
import json, sys
page = json.load(open(sys.argv[1]))
st, ev = json.loads(sys.argv[2]), json.loads(sys.argv[3])
bad, want = [], {}
for v in st["vsids"]:
    for k in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes"):
        want["nvgre_vsid_%s_total{vsid=%d}" % (k, v["vsid"])] = v[k]
for p in st["ports"]:
    labels = "ca=%s,dev=%s,ifindex=%d,vsid=%d" % (p["ca"], p["dev"], p["ifindex"], p["vsid"])
    for k in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "drop_packets", "drop_bytes"):
        want["nvgre_port_%s_total{%s}" % (k, labels)] = p[k]
for r in st["drops"]:
    want["nvgre_drops_packets_total{reason=%s}" % r["reason"]] = r["packets"]
    want["nvgre_drops_bytes_total{reason=%s}" % r["reason"]] = r["bytes"]
for k in ("emitted", "rate_limited", "ring_full"):
    want["nvgre_events_%s_total{}" % k] = ev[k]
for k, v in sorted(want.items()):
    if page.get(k) != v:
        bad.append("%s: page %s, nvctl %s" % (k, page.get(k), v))
for prefix in ("nvgre_vsid_", "nvgre_port_", "nvgre_drops_"):
    extra = [k for k in page if k.startswith(prefix) and k not in want]
    if extra:
        bad.append("series nvctl does not show: %s" % extra)
if len(st["drops"]) < 32 or not any(p["tx_packets"] > 0 for p in st["ports"]):
    bad.append("too little to compare: %d drop reasons, ports %s" % (len(st["drops"]), st["ports"]))
print("\n".join(bad))' "$TMP/page.json" "$stats" "$events" 2>&1) || fail "comparison failed to run: $why"
[ -z "$why" ] || fail "$why"
end

# Device names may hold " and \: the page must escape them in label values.
begin "metrics show: label values are escaped (a port on a device named vm\"q\\)"
# shellcheck disable=SC1003 # the backslash is the last character of the name
qdev='vm"q\'
in_host ip link add "$qdev" type veth peer name vmqp || fail "cannot create the device"
nv_ok port add dev "$qdev" vsid 5002 ca 10.2.0.5 mac 02:00:00:00:02:05
nv_ok metrics show
printf '%s\n' "$OUT" >"$TMP/page.q"
grep -qF 'nvgre_port_tx_packets_total{dev="vm\"q\\",' "$TMP/page.q" ||
	fail "not escaped: $(grep '^nvgre_port_tx_packets' "$TMP/page.q")"
lint=$(promtool check metrics <"$TMP/page.q" 2>&1) || fail "promtool: $lint"
nv_ok port del dev "$qdev"
in_host ip link del "$qdev"
end

begin "metrics alone is metrics show"
nv_ok metrics
families <<<"$OUT" | cmp -s - "$TMP/families" || fail "other families: $OUT"
printf 'metrics\n' >"$TMP/metrics.batch"
nv batch file "$TMP/metrics.batch"
[ "$RC" -eq 2 ] || fail "in a batch: exit $RC: $ERR"
end
bad "metrics show: extra argument" 2 '"now"' metrics show now
begin "bad input: metrics show -j (the page is Prometheus text): exit 2, JSON error"
nv -j metrics show
[ "$RC" -eq 2 ] || fail "exit $RC"
printf '%s' "$OUT" | json_true "list(d) == ['error'] and 'stats show' in d['error']" || fail "$OUT"
end
begin "metrics show without a datapath: exit 1, names the pin dir"
nvraw "$PIN-none" metrics show
[ "$RC" -eq 1 ] || fail "exit $RC"
case $ERR in "Error: no datapath attached at $PIN-none"*) ;; *) fail "stderr: $ERR" ;; esac
[ -z "$OUT" ] || fail "stdout: $OUT"
[ ! -e "$PIN-none" ] || fail "$PIN-none created"
end

# =====================================================================================
# metrics listen
# =====================================================================================
# listen_start ADDR: nvctl metrics listen ADDR in the background (LPID), its stdout in
# $TMP/listen.out; waits (at most 10 s) for its "listening" line.
listen_start()
{
	bg_in_ns host "$NVCTL" --pin-dir "$PIN" metrics listen "$1" \
		>"$TMP/listen.out" 2>"$TMP/listen.err" </dev/null
	LPID=$BG_PID
	local _
	for _ in $(seq 100); do
		grep -qF "listening on $1" "$TMP/listen.out" && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	fail "metrics listen $1 did not start: $(cat "$TMP/listen.out" "$TMP/listen.err")"
	return 1
}
# listen_stop SIG: sends SIG, waits (at most 10 s) for the exit; its status in LRC.
listen_stop()
{
	local _
	kill "-$1" "$LPID"
	for _ in $(seq 100); do
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$LPID" 2>/dev/null; then
		fail "still running 10 s after SIG$1"
		kill -KILL "$LPID"
	fi
	wait "$LPID"
	LRC=$?
	bg_forget "$LPID"
}
# scrape URL: HTTP status, content type and body (in $TMP/body) of a GET from the host namespace.
scrape()
{
	SCRAPE=$(in_host curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code} %{content_type}' "$1" 2>&1)
}

begin "metrics listen 127.0.0.1:PORT: GET /metrics is 200, Prometheus content type, the same families"
if listen_start "127.0.0.1:$PORT"; then
	scrape "http://127.0.0.1:$PORT/metrics"
	[ "$SCRAPE" = "200 text/plain; version=0.0.4; charset=utf-8" ] || fail "status and type: $SCRAPE"
	families <"$TMP/body" >"$TMP/families.http"
	cmp -s "$TMP/families" "$TMP/families.http" || fail "families differ: $(diff "$TMP/families" "$TMP/families.http")"
	lint=$(promtool check metrics <"$TMP/body" 2>&1) || fail "promtool: $lint"
fi
end

begin "metrics listen: 404 for another path"
scrape "http://127.0.0.1:$PORT/"
[ "${SCRAPE%% *}" = 404 ] || fail "/: $SCRAPE"
scrape "http://127.0.0.1:$PORT/metrics/x"
[ "${SCRAPE%% *}" = 404 ] || fail "/metrics/x: $SCRAPE"
end

begin "metrics listen does not hold the instance lock: other nvctl commands run meanwhile"
nv subnet add vsid 5003 rdid 3 prefix 10.3.0.0/24
[ "$RC" -eq 0 ] || fail "subnet add while listening: exit $RC: $ERR"
scrape "http://127.0.0.1:$PORT/metrics"
grep -qx 'nvgre_vsid_tx_packets_total{vsid="5003"} 0' "$TMP/body" || fail "the new subnet is not in the next scrape"
nv_ok subnet del vsid 5003
end

bad "metrics listen: address in use" 1 "127.0.0.1:$PORT" metrics listen "127.0.0.1:$PORT"

begin "metrics listen: after dp detach a scrape is 503 naming the instance; after attach 200 again"
nv_ok dp detach
scrape "http://127.0.0.1:$PORT/metrics"
[ "${SCRAPE%% *}" = 503 ] || fail "after detach: $SCRAPE"
grep -q "no datapath attached at $PIN" "$TMP/body" || fail "503 body: $(cat "$TMP/body")"
kill -0 "$LPID" 2>/dev/null || fail "the listener died"
nv_ok dp attach dev ul0 pa 192.0.2.7
scrape "http://127.0.0.1:$PORT/metrics"
[ "${SCRAPE%% *}" = 200 ] || fail "after attach: $SCRAPE"
grep -q '^nvgre_datapath_info{.*pa="192.0.2.7"' "$TMP/body" || fail "not the new instance: $(grep info "$TMP/body")"
end

begin "metrics listen: SIGTERM stops it with exit 0 and frees the port"
listen_stop TERM
[ "$LRC" -eq 0 ] || fail "exit $LRC: $(cat "$TMP/listen.err")"
[ -z "$(in_host ss -Htln "sport = :$PORT")" ] || fail "port still bound: $(in_host ss -tlnp)"
end

begin "metrics listen :PORT serves IPv4 and IPv6; SIGINT stops it with exit 0"
if listen_start ":$PORT"; then
	scrape "http://127.0.0.1:$PORT/metrics"
	[ "${SCRAPE%% *}" = 200 ] || fail "127.0.0.1: $SCRAPE"
	scrape "http://[::1]:$PORT/metrics"
	[ "${SCRAPE%% *}" = 200 ] || fail "[::1]: $SCRAPE"
	listen_stop INT
	[ "$LRC" -eq 0 ] || fail "SIGINT: exit $LRC"
fi
end

begin "metrics listen [::1]:PORT: IPv6 only there"
if listen_start "[::1]:$PORT"; then
	scrape "http://[::1]:$PORT/metrics"
	[ "${SCRAPE%% *}" = 200 ] || fail "[::1]: $SCRAPE"
	listen_stop TERM
	[ "$LRC" -eq 0 ] || fail "exit $LRC"
fi
end

bad "metrics listen: two addresses" 2 '"127.0.0.1:2"' metrics listen 127.0.0.1:1 127.0.0.1:2
bad "metrics listen: no port" 2 '"127.0.0.1"' metrics listen 127.0.0.1
bad "metrics listen: port 0" 2 '"127.0.0.1:0"' metrics listen 127.0.0.1:0
bad "metrics listen: port 65536" 2 '":65536"' metrics listen :65536
bad "metrics listen: port by name" 2 '"127.0.0.1:http"' metrics listen 127.0.0.1:http
bad "metrics listen: bad IPv4" 2 '"300.1.1.1:9000"' metrics listen 300.1.1.1:9000
bad "metrics listen: IPv6 without brackets" 2 '"::1:9000"' metrics listen ::1:9000
bad "metrics listen: bracket not closed" 2 '"[::1:9000"' metrics listen "[::1:9000"
bad "metrics listen: host name" 2 '"localhost:9000"' metrics listen localhost:9000
bad "metrics listen: extra argument" 2 '"now"' metrics listen 127.0.0.1:9000 now

begin "metrics listen is refused in a batch"
printf 'metrics listen 127.0.0.1:%s\n' "$PORT" >"$TMP/listen.batch"
nv batch file "$TMP/listen.batch"
[ "$RC" -eq 2 ] || fail "exit $RC: $ERR"
end

tap_done
