#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Case 3 of `make bench`: VM to VM across two hosts (network namespaces on one machine), for
#   tc     nvgre-xdp, ports delivering in TC
#   routed nvgre-xdp as tc, the VMs in two subnets of one RDID (the distributed router routes)
#   xdp    nvgre-xdp, ports delivering in XDP
#   tcrx   nvgre-xdp attached with xdp-mode none: TC delivery, no XDP program on the underlay
#   vxlan  the kernel's VXLAN device + bridge on each host
#   route  plain routing, no overlay
# each on its own copy of the same two-host topology (tests/bench/bench_topo.sh), with the MTU a
# user would set (VM MTU = underlay MTU - 42 for NVGRE, - 50 for VXLAN, = underlay for routing).
# Metrics, all measured by iperf3 at the receiver: TCP 1 stream and 4 streams (Gbit/s), UDP with
# 64-byte payloads at an unlimited rate (received kpps). The configurations run interleaved,
# round by round (tc routed xdp ... route tc routed ...), each metric in turn.
#
# Prints min/median/max per configuration and metric and the ratios of medians against VXLAN,
# against routing and (routed only) against tc, the same path bridged; writes build/bench/vm2vm.csv
# (every run), vm2vm.json (the summary) and vm2vm.png (gnuplot). Asserts nothing about speed:
# exits non-zero only when a configuration passes no traffic at all (or the setup fails).
#
# Environment: BENCH_ROUNDS (3), BENCH_SECS (3, seconds per iperf3 run), BENCH_CONFS ("tc routed
# xdp tcrx vxlan route"), BENCH_METRICS ("tcp1 tcp4 udp64"), BENCH_OUT (build/bench), NVCTL
# (build/nvctl), BT_UL_MTU (1500), BT_SW (napi) and BT_HOST_GRO
# (on): the underlay receive settings, see bench_topo.sh, BENCH_KEEP=1 (keep the iperf3 JSON).
# Needs root; about 4 x 3 x (BENCH_SECS + 1.5) s per round.

set -u
cd "$(dirname "$0")/../.." || exit 1

NVCTL=${NVCTL:-build/nvctl}
NVCTL=$(realpath "$NVCTL")
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-3}
CONFS=${BENCH_CONFS:-tc routed xdp tcrx vxlan route}
METRICS=${BENCH_METRICS:-tcp1 tcp4 udp64}
OUT=${BENCH_OUT:-build/bench}
PY=/usr/bin/python3

# shellcheck source=tests/bench/bench_topo.sh
. tests/bench/bench_topo.sh

bt_prepare
command -v gnuplot >/dev/null 2>&1 || bt_log "gnuplot not found: no chart (.ci/install-deps.sh)"
mkdir -p "$OUT" || die "mkdir $OUT"

# --- setup -----------------------------------------------------------------------------------
declare -A FAILED=()
for c in $CONFS; do
	bt_up "$c"
done
# Every configuration must pass traffic before anything is measured (ARP resolved meanwhile).
for c in $CONFS; do
	ok=0
	for _ in 1 2 3 4 5; do
		if bt_in "$c" v1 ping -q -c 1 -W 1 "$(bt_dst "$c")" >/dev/null 2>&1; then
			ok=1
			break
		fi
	done
	if [ "$ok" = 1 ]; then
		bt_log "$c: VM 1 reaches VM 2"
	else
		bt_log "$c: VM 1 cannot reach VM 2 (ping): not measured"
		FAILED[$c]=1
	fi
done

# --- one iperf3 run --------------------------------------------------------------------------
# run_iperf CONF METRIC ROUND: sets VAL to the value (Gbit/s or kpps) or "NA", RTX to the TCP
# sender's retransmits (NA for UDP). Not in a subshell, so that the cleanup knows the iperf3
# processes; the client runs in the background and is waited for, so that INT and TERM reach
# the trap at once (bash defers traps while a foreground child runs, and iperf3 exits normally
# on SIGINT, which bash then takes as handled).
run_iperf() {
	local c=$1 m=$2 r=$3 json
	json="$TMP/$c-$m-$r.json"
	bt_iperf_start "$c" "$m" "$SECS" "$json"
	bt_iperf_reap
	read -r VAL RTX < <("$PY" - "$json" "$m" <<-'EOF'
		import json, sys
		try:
		    d = json.load(open(sys.argv[1]))
		    if d.get("error"):
		        raise ValueError(d["error"])
		    if sys.argv[2] == "udp64":
		        s = d["end"]["sum"]
		        got = s["packets"] - s["lost_packets"]  # what the receiver's socket got
		        print("%.3f NA" % (got / s["seconds"] / 1e3))
		    else:
		        s = d["end"]["sum_received"]
		        print("%.4f %d" % (s["bits_per_second"] / 1e9,
		                           d["end"]["sum_sent"].get("retransmits", 0)))
		except Exception as e:
		    print("NA NA")
		    print("iperf3 failed:", e, file=sys.stderr)
	EOF
	)
}

# --- measure, interleaved --------------------------------------------------------------------
csv="$OUT/vm2vm.csv"
echo "round,config,metric,value,unit,retransmits" >"$csv"
for ((r = 1; r <= ROUNDS; r++)); do
	for m in $METRICS; do
		for c in $CONFS; do
			[ -z "${FAILED[$c]:-}" ] || continue
			run_iperf "$c" "$m" "$r"
			v=$VAL rtx=$RTX
			unit=Gbit/s
			[ "$m" != udp64 ] || unit=kpps
			printf '%s,%s,%s,%s,%s,%s\n' "$r" "$c" "$m" "$v" "$unit" "$rtx" >>"$csv"
			bt_log "round $r $m $c: $v $unit (retransmits $rtx)"
		done
	done
done

# --- summary, JSON, chart --------------------------------------------------------------------
if ! "$PY" - "$csv" "$OUT" "$CONFS" "$METRICS" "$ROUNDS" "$SECS" "$BT_UL_MTU" "$BT_SW/$BT_HOST_GRO" <<-'EOF'
	import csv, json, statistics, sys
	path, out, confs, metrics = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
	rounds, secs, mtu, gro = sys.argv[5:9]
	names = {"tc": "nvgre-xdp TC delivery", "routed": "nvgre-xdp TC, routed",
	         "xdp": "nvgre-xdp XDP delivery", "tcrx": "nvgre-xdp xdp-mode none", "vxlan": "kernel VXLAN + bridge",
	         "route": "plain routing"}
	# Chart labels: six bars of 560 / 6 pixels each leave room for about 10 characters.
	short = {"tc": "NV TC", "routed": "NV routed", "xdp": "NV XDP", "tcrx": "NV no XDP",
	         "vxlan": "VXLAN", "route": "routing"}
	mnames = {"tcp1": "TCP 1 stream (Gbit/s)", "tcp4": "TCP 4 streams (Gbit/s)",
	          "udp64": "UDP 64 B payload (received kpps)"}
	vals = {}
	for row in csv.DictReader(open(path)):
	    if row["value"] != "NA":
	        vals.setdefault((row["config"], row["metric"]), []).append(float(row["value"]))
	res = {"rounds": int(rounds), "seconds": int(secs), "underlay_mtu": int(mtu),
	       "underlay_rx": {"switch_ports": gro.split("/")[0], "host_gro": gro.split("/")[1]}, "results": []}
	med = {}
	for m in metrics:
	    for c in confs:
	        v = vals.get((c, m), [])
	        if v:
	            med[c, m] = statistics.median(v)
	for m in metrics:
	    print("\n%s" % mnames[m])
	    print("| %-24s | %8s | %8s | %8s | %3s | %9s | %10s | %9s |" %
	          ("configuration", "min", "median", "max", "n", "vs VXLAN", "vs routing", "vs TC"))
	    print("|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|" % ("-" * 26, "-" * 9, "-" * 9, "-" * 9, "-" * 4,
	                                             "-" * 10, "-" * 11, "-" * 10))
	    for c in confs:
	        v = vals.get((c, m), [])
	        e = {"config": c, "metric": m, "unit": "kpps" if m == "udp64" else "Gbit/s",
	             "n": len(v), "runs": v}
	        def ratio(base):
	            if v and (base, m) in med and med[base, m] > 0:
	                return med[c, m] / med[base, m]
	            return None
	        if v:
	            e.update(min=min(v), median=med[c, m], max=max(v),
	                     ratio_vxlan=ratio("vxlan"), ratio_route=ratio("route"))
	            if c == "routed":
	                e.update(ratio_bridged=ratio("tc"))
	        res["results"].append(e)
	        f = lambda x: "%8.2f" % x if x is not None else "%8s" % "-"
	        r = lambda x: "%8.2fx" % x if x is not None else "%9s" % "-"
	        print("| %-24s | %s | %s | %s | %3d | %s | %9s | %s |" % (
	            names[c], f(e.get("min")), f(e.get("median")), f(e.get("max")), len(v),
	            r(e.get("ratio_vxlan")), r(e.get("ratio_route")), r(e.get("ratio_bridged"))))
	json.dump(res, open(out + "/vm2vm.json", "w"), indent=2)
	# gnuplot data: one block per metric, one line per configuration
	with open(out + "/vm2vm.dat", "w") as f:
	    for m in metrics:
	        f.write("# %s\n" % mnames[m])
	        for c in confs:
	            if (c, m) in med:
	                v = vals[c, m]
	                f.write('"%s" %g %g %g\n' % (short[c], med[c, m], min(v), max(v)))
	            else:
	                f.write('"%s" 0 0 0\n' % short[c])
	        f.write("\n\n")
	EOF
then
	die "summary failed"
fi

rm -f "$OUT/vm2vm.png"
if command -v gnuplot >/dev/null 2>&1; then
	{
		n=$(wc -w <<<"$METRICS")
		cat <<-EOF
			set terminal pngcairo size $((560 * n)),520 font "sans,10" noenhanced
			set output "$OUT/vm2vm.png"
			set multiplot layout 1,$n title "VM to VM across two hosts (veth underlay, MTU $BT_UL_MTU; iperf3, $ROUNDS rounds of $SECS s; bars: median, whiskers: min to max; NV: nvgre-xdp, no XDP: dp attach xdp-mode none)"
			set style fill solid 0.6 border -1
			set boxwidth 0.6
			set yrange [0:*]
			set grid ytics
			unset key
			set xtics scale 0
		EOF
		i=0
		for m in $METRICS; do
			case "$m" in
			tcp1) t="TCP, 1 stream" y="Gbit/s" col="#4477aa" ;;
			tcp4) t="TCP, 4 streams" y="Gbit/s" col="#228833" ;;
			udp64) t="UDP, 64-byte payload" y="received kpps" col="#cc6677" ;;
			esac
			cat <<-EOF
				set title "$t"
				set ylabel "$y"
				plot "$OUT/vm2vm.dat" index $i using 0:2:xtic(1) with boxes lc rgb "$col", \\
				     "" index $i using 0:2:3:4 with yerrorbars lc rgb "black" pt 0
			EOF
			i=$((i + 1))
		done
		echo "unset multiplot"
	} >"$TMP/vm2vm.gp"
	gnuplot "$TMP/vm2vm.gp" || bt_log "gnuplot failed: no chart"
	[ ! -s "$OUT/vm2vm.png" ] || bt_log "chart: $OUT/vm2vm.png"
fi
bt_log "results: $csv $OUT/vm2vm.json"

# A configuration that passed no traffic at all is the only failure.
status=0
for c in $CONFS; do
	if [ -n "${FAILED[$c]:-}" ] || ! grep -q "^[0-9]*,$c,[a-z0-9]*,[0-9]" "$csv"; then
		bt_log "FAIL: $c passed no traffic"
		status=1
	fi
done
exit $status
