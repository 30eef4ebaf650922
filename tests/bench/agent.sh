#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# nvctl agent bench (issue 12), against a real etcd (Debian's etcd-server) in a switch namespace on
# the hosts' underlay:
#   1. initial sync: N (default 100,000) records in etcd, an agent started on a fresh datapath, the
#      time until it has applied them all (its "synced" line), beside `nvctl batch file` loading
#      the same records into a fresh datapath (the ratio: sync / batch), and beside listing the
#      same pages from etcd (JSON parsed, values not decoded) (the JSON gateway's own floor); RUNS times each;
#   2. propagation: for 1, 10 (and 50 with AGENTS="1 10 50") agents, each with its own host and
#      instance, the time from an etcd put to the record present in every agent's map (p50, p99,
#      tests/bench/agent_propagate.py), beside `etcdctl watch` seeing the same put (the floor).
# Prints a table and writes CSV (metric,runs,min,median,max,unit) to BUILD/bench/agent.csv.
# Asserts nothing about time. Usage: tests/bench/agent.sh [BUILD_DIR]   (default: build). Root.
# Environment: N, RUNS (default 3), AGENTS (default "1 10"; each instance preallocates its maps:
# 50 need about 10 GB), PUTS (per agent count, default 50).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
NVCTL="$build/nvctl"
N=${N:-100000}
RUNS=${RUNS:-3}
AGENTS=${AGENTS:-1 10}
PUTS=${PUTS:-50}
# shellcheck source=tests/lib/netns.sh
. "$here/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
. "$here/../lib/topo.sh"

run_dir_was=0
[ -d /run/nvgre-xdp ] && run_dir_was=1 # the agents' status directory: removed at the end if new
max=1
for k in $AGENTS; do [ "$k" -le "$max" ] || max=$k; done
netns_init nvgre-ab
topo_prepare etcd etcdctl awk
topo_switch sw
for i in $(seq "$max"); do
	topo_host "h$i" sw "192.0.2.$i"
done
topo_tenant T 5001 1 10.0.0.0/8 10.255.255.254
topo_build sw
ETCD=http://192.0.2.250:23790
ip -n "$(ns_name sw)" addr add 192.0.2.250/24 dev br0
bg_in_ns sw etcd --name b --data-dir "$TMP/etcd" --listen-client-urls "$ETCD" \
	--advertise-client-urls "$ETCD" --listen-peer-urls http://127.0.0.1:23800 \
	--initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster b=http://127.0.0.1:23800 \
	--quota-backend-bytes 4294967296 >"$TMP/etcd.log" 2>&1
ctl() { in_ns sw env ETCDCTL_API=3 etcdctl --endpoints "$ETCD" "$@"; }
for i in $(seq 100); do ctl endpoint health >/dev/null 2>&1 && break; sleep 0.1; done
now_ns() { local t=${EPOCHREALTIME/./}; echo $((t * 1000)); }
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.6g %.6g %.6g\n", v[1], m, v[NR] }'; }
CSV=() ROWS=()
row() { # METRIC RUNS "MIN MEDIAN MAX" UNIT
	local lo me hi
	read -r lo me hi <<<"$3"
	CSV+=("$1,$2,$lo,$me,$hi,$4")
	ROWS+=("$(printf '%-56s %5s %12s %12s %12s  %s' "$1" "$2" "$lo" "$me" "$hi" "$4")")
}
attach() { nvctl_on "$1" dp attach dev ul pa "${TOPO_PA[$1]}" >/dev/null; }
SUBNET='{"vsid":5001,"rdid":1,"prefix":"10.0.0.0/8","gateway":"10.255.255.254"}'

# ---- 1. initial sync of N records vs nvctl batch ----
echo "# generating $N records (batch file and etcd keys)"
awk -v n="$N" -v subnet="$(topo_subnet_args T)" -v sync="$TMP/records.kv" 'BEGIN {
	print "subnet add " subnet
	for (i = 1; i <= n; i++) {
		a = i + 256
		ca = sprintf("10.%d.%d.%d", int(a / 65536) % 256, int(a / 256) % 256, a % 256)
		mac = sprintf("02:4e:%02x:%02x:%02x:%02x", int(a / 16777216) % 256, int(a / 65536) % 256,
			int(a / 256) % 256, a % 256)
		pa = sprintf("198.51.%d.%d", int(i / 250) % 256, 1 + i % 250)
		printf "record add vsid 5001 ca %s mac %s pa %s\n", ca, mac, pa
		printf "records/5001/%s\t{\"vsid\":5001,\"ca\":\"%s\",\"mac\":\"%s\",\"pa\":\"%s\"}\n", ca, ca, mac, pa > sync
	}
}' >"$TMP/records.batch"
SYNC_PFX=/bench-$RUN_ID/sync/
printf 'subnets/5001\t%s\n' "$SUBNET" >>"$TMP/records.kv"
echo "# writing $N keys to etcd (transactions of 128 puts)"
in_ns sw /usr/bin/python3 - "$ETCD" "$SYNC_PFX" "$TMP/records.kv" <<'PY'
import base64, http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); pfx = sys.argv[2]
conn = http.client.HTTPConnection(u.hostname, u.port)
b64 = lambda s: base64.b64encode(s.encode()).decode()
lines = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[3])]
for i in range(0, len(lines), 128):
    ops = [{"request_put": {"key": b64(pfx + k), "value": b64(v)}} for k, v in lines[i:i + 128]]
    conn.request("POST", "/v3/kv/txn", json.dumps({"success": ops}), {"Content-Type": "application/json"})
    r = conn.getresponse(); body = r.read()
    if r.status != 200 or b'"error"' in body:
        sys.exit(f"txn at {i}: {r.status} {body[:200]}")
PY
PIN=$(pin_dir h1)
pin_own "$PIN" h1
batch_s=() sync_s=() list_s=()
for r in $(seq "$RUNS"); do
	# The floor of any sync through the JSON gateway: the same pages listed, nothing decoded.
	list_s+=("$(in_ns sw /usr/bin/python3 - "$ETCD" "$SYNC_PFX" <<'PY'
import base64, http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); pfx = sys.argv[2]
conn = http.client.HTTPConnection(u.hostname, u.port)
b64 = lambda b: base64.b64encode(b).decode()
start, end, rev, t0 = pfx.encode(), pfx[:-1].encode() + bytes([pfx.encode()[-1] + 1]), 0, time.perf_counter()
while True:
    req = {"key": b64(start), "range_end": b64(end), "limit": "2000"}
    if rev:
        req["revision"] = rev
    conn.request("POST", "/v3/kv/range", json.dumps(req), {"Content-Type": "application/json"})
    d = json.loads(conn.getresponse().read())
    rev = rev or d["header"]["revision"]
    if not d.get("more"):
        break
    start = base64.b64decode(d["kvs"][-1]["key"]) + b"\0"
print("%.3f" % (time.perf_counter() - t0))
PY
)")
	attach h1
	t0=$(now_ns)
	nvctl_on h1 batch file "$TMP/records.batch"
	t1=$(now_ns)
	batch_s+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')")
	nvctl_on h1 dp detach
	attach h1
	: >"$TMP/agent-sync.log"
	t0=$(now_ns)
	bg_in_ns h1 "$NVCTL" --pin-dir "$PIN" agent run etcd "$ETCD" prefix "$SYNC_PFX" host h1 \
		2>"$TMP/agent-sync.log"
	pid=$BG_PID
	until grep -q "synced at revision" "$TMP/agent-sync.log"; do
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/agent-sync.log" >&2; exit 1; }
		sleep 0.005
	done
	t1=$(now_ns)
	sync_s+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')")
	bg_stop "$pid" TERM
	count=$(nvctl_on h1 dp show | sed -n 's/.*records \([0-9]*\)\/.*/\1/p')
	[ "$count" = "$N" ] || { echo "Error: the agent synced $count records, expected $N" >&2; exit 1; }
	echo "# run $r: batch ${batch_s[-1]} s, agent sync ${sync_s[-1]} s, list alone ${list_s[-1]} s"
	nvctl_on h1 dp detach
done
read -r _ bm _ <<<"$(stats "${batch_s[@]}")"
read -r _ sm _ <<<"$(stats "${sync_s[@]}")"
row "load $N records: nvctl batch file" "$RUNS" "$(stats "${batch_s[@]}")" s
row "load $N records: agent initial sync from etcd" "$RUNS" "$(stats "${sync_s[@]}")" s
read -r _ lm _ <<<"$(stats "${list_s[@]}")"
row "list $N keys from etcd alone (pages of 2000)" "$RUNS" "$(stats "${list_s[@]}")" s
v=$(awk -v a="$sm" -v b="$bm" 'BEGIN { printf "%.2f", a / b }')
row "initial sync / batch (medians)" 1 "$v $v $v" ratio
v=$(awk -v a="$sm" -v b="$lm" 'BEGIN { printf "%.2f", a / b }')
row "initial sync / listing alone (medians)" 1 "$v $v $v" ratio
ctl del --prefix "$SYNC_PFX" >/dev/null

# ---- 2. propagation: put -> the record in every agent's map, beside etcdctl watch ----
PROP_PFX=/bench-$RUN_ID/prop/
ctl put "${PROP_PFX}subnets/5001" "$SUBNET" >/dev/null
for k in $AGENTS; do
	maps=() pids=()
	for i in $(seq "$k"); do
		h=h$i
		[ "$i" = 1 ] || pin_own "$(pin_dir "$h")" "$h"
		attach "$h"
		bg_in_ns "$h" "$NVCTL" --pin-dir "$(pin_dir "$h")" agent run etcd "$ETCD" \
			prefix "$PROP_PFX" host "$h" 2>>"$TMP/agent-prop-$h.log"
		pids+=("$BG_PID")
		maps+=("$(echo "$(pin_dir "$h")"/maps-v*/nv_records)")
	done
	for i in $(seq "$k"); do
		until grep -q "synced at revision" "$TMP/agent-prop-h$i.log" 2>/dev/null; do sleep 0.05; done
	done
	line=$(in_ns sw /usr/bin/python3 "$here/agent_propagate.py" "$ETCD" "$PROP_PFX" "$PUTS" "${maps[@]}")
	echo "# $line"
	read -r _ _ _ _ _ a50 _ a99 _ w50 _ w99 <<<"$line"
	row "propagation, $k agents: put -> map entry p50" "$PUTS" "$a50 $a50 $a50" ms
	row "propagation, $k agents: put -> map entry p99" "$PUTS" "$a99 $a99 $a99" ms
	row "propagation floor: etcdctl watch sees the put p50" "$PUTS" "$w50 $w50 $w50" ms
	row "propagation floor: etcdctl watch sees the put p99" "$PUTS" "$w99 $w99 $w99" ms
	v=$(awk -v a="$a99" -v b="$w99" 'BEGIN { printf "%.2f", a / b }')
	row "propagation, $k agents: p99 / etcdctl watch p99" 1 "$v $v $v" ratio
	for pid in "${pids[@]}"; do bg_stop "$pid" TERM; done
	for i in $(seq "$k"); do nvctl_on "h$i" dp detach; done
	ctl del --prefix "${PROP_PFX}records/" >/dev/null
done

mkdir -p "$build/bench"
printf 'metric,runs,min,median,max,unit\n' >"$build/bench/agent.csv"
printf '%s\n' "${CSV[@]}" >>"$build/bench/agent.csv"
echo
printf '%-56s %5s %12s %12s %12s  %s\n' "agent (etcd $(etcd --version | awk 'NR == 1 { print $3 }'))" runs min median max unit
printf '%s\n' "${ROWS[@]}"
echo "# CSV: $build/bench/agent.csv"
netns_cleanup
[ "$run_dir_was" = 1 ] || rmdir /run/nvgre-xdp 2>/dev/null || true
