# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What the end-to-end suites (e2e.sh, routed.sh) share on top of tests/lib (netns.sh, topo.sh,
# tap.sh): counters of a host as nvctl -j prints them, ping from a VM, captures with dumpcap read
# by tshark. Sourced after topology's layout (needs nvctl_on, in_ns, bg_in_ns, fail).

STATS=${STATS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/nv_stats.py}

oneline() { xargs <<<"$1"; } # lines joined by spaces

# Counters of a host, as nvctl -j prints them, into a file.
stats_snap() { nvctl_on "$1" -j stats show >"$2"; }

# The drop counters that changed between two snapshots, "drop REASON DELTA" lines, sorted. Run in
# $(...), where fail() cannot reach the test: an error prints what no expected value matches.
drops_delta() {
	local out
	out=$(/usr/bin/python3 "$STATS" diff "$1" "$2") || {
		echo "ERROR: nv_stats.py diff $1 $2 failed"
		return
	}
	grep '^drop ' <<<"$out" | sort || true
}

# A per-VSID counter's change between two snapshots.
vsid_delta() {
	local a b
	a=$(/usr/bin/python3 "$STATS" get "$1" vsid "$3" "$4")
	b=$(/usr/bin/python3 "$STATS" get "$2" vsid "$3" "$4")
	echo $((b - a))
}

drop_delta() {
	local a b
	a=$(/usr/bin/python3 "$STATS" get "$1" drop "$3")
	b=$(/usr/bin/python3 "$STATS" get "$2" drop "$3")
	echo $((b - a))
}

# Frames the XDP program of a host dropped on its underlay (veth driver counters).
xdp_drops() {
	in_ns "$1" ethtool -S ul | awk '/rx_queue_[0-9]+_xdp_drops:/ { n += $2 } END { print n + 0 }'
}

# vm_ping FROM DST_CA COUNT [PING ARGS]: prints the number of replies received.
vm_ping() {
	local from=$1 dst=$2 count=$3 out
	shift 3
	out=$(in_ns "$from" ping -q -n -c "$count" -i 0.05 -W 1 "$@" "$dst" 2>&1) || true
	sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | head -n1 | grep . || echo 0
}

flush_neigh() {
	local vm
	for vm in "$@"; do
		ip -n "$(topo_ns "$vm")" neigh flush dev eth0
	done
}

# cap_start NODE FILE IFACE...: capture in NODE's namespace into FILE; CAP_PID is dumpcap's own
# pid (bg_in_ns: nsenter execs it), so that cap_stop ends the capture itself. (A function put in
# the background is a subshell: killing it left dumpcap capturing for its 60 s, into a file
# tshark then read while it grew, and that the next test using the same name truncated.)
cap_start() {
	local node=$1 file=$2 i args=()
	shift 2
	for i in "$@"; do
		args+=(-i "$i")
	done
	bg_in_ns "$node" dumpcap -q "${args[@]}" -a duration:60 -w "$file" 2>"$file.log"
	CAP_PID=$BG_PID
	for i in $(seq 100); do
		# dumpcap says so before its capture socket takes frames: a moment more for that.
		grep -q "Capturing on" "$file.log" 2>/dev/null && sleep 0.3 && return 0
		sleep 0.05
	done
	fail "dumpcap in $node did not start: $(cat "$file.log")"
	return 1
}

cap_stop() {
	# libpcap hands dumpcap its frames in blocks, retired after dumpcap's 250 ms read timeout;
	# a block not retired yet when dumpcap stops is lost. So wait past that first.
	sleep 0.6
	bg_stop "$1" TERM # dumpcap writes what it has and closes the file
}

# cap_count FILE DISPLAY_FILTER: frames of the capture that match. A capture tshark cannot read
# is not "no frames": it prints an error, which no expected count matches.
cap_count() {
	local out
	out=$(tshark -r "$1" -Y "$2" -T fields -e frame.number 2>"$1.tshark-err") || {
		echo "ERROR: tshark -r $1: $(head -c 200 "$1.tshark-err")"
		return
	}
	grep -c . <<<"$out" || true
}

# iperf3 TCP for 2 s from VM FROM to VM TO, with no datapath drop on the hosts of either during
# the run. Sets IPERF_BYTES, IPERF_GBPS and IPERF_RETRANS; returns 1 (after fail) when iperf3
# gave no result.
iperf_tcp_checked() {
	local from=$1 to=$2 json out status h hosts
	json="$TMP/iperf-$from-$to-$TOPO_DELIVER.json"
	hosts=$(printf '%s\n' "$(vm_host "$from")" "$(vm_host "$to")" | sort -u | xargs)
	iperf_serve "$to"
	for h in $hosts; do
		stats_snap "$h" "$json.$h.before"
	done
	iperf_client "$from" "$to" 2 "$json"
	iperf_reap
	for h in $hosts; do
		stats_snap "$h" "$json.$h.after"
		expect_eq "datapath drops on $h during the TCP run" "" \
			"$(oneline "$(drops_delta "$json.$h.before" "$json.$h.after")")"
	done
	out=$(/usr/bin/python3 - "$json" <<-'PY'
		import json, sys
		try:
		    d = json.load(open(sys.argv[1]))
		except Exception as e:
		    print("error", "no JSON from iperf3:", e); sys.exit()
		if d.get("error"):
		    print("error", d["error"]); sys.exit()
		s = d["end"]["sum_received"]
		print("ok", s["bytes"], "%.2f" % (s["bits_per_second"] / 1e9),
		      d["end"]["sum_sent"].get("retransmits", 0))
	PY
	)
	read -r status IPERF_BYTES IPERF_GBPS IPERF_RETRANS <<<"$out"
	if [ "$status" != ok ]; then
		fail "iperf3 $(vm_ca "$from") -> $(vm_ca "$to"): $out"
		return 1
	fi
}
