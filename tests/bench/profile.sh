#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Where the CPU goes on TCP (1 stream) and on UDP (64-byte payloads), VM to VM across two hosts
# (the vm2vm.sh topology), for each configuration in turn: one iperf3 run of BENCH_SECS seconds,
# sampled in its middle by
#   perf record -e cpu-clock -a    (the PMU is not exposed to this VM; a software clock works)
#   kernel.bpf_stats_enabled = 1   (run_cnt and run_time_ns of each of our programs)
# and kernel symbols sorted into buckets (idle, our BPF programs, BPF helpers and maps, XDP on a
# veth, segmentation and checksums, GRO, copies to and from user space, memcpy, the rest). The
# buckets are shares of both CPUs' time; "per busy CPU" divides throughput by the CPUs
# that were not idle. Writes build/bench/profile.csv. Asserts nothing; without perf it prints
# bpf_stats only.
#
# Environment: BENCH_CONFS ("tc xdp tcrx vxlan route"), BENCH_METRICS ("tcp1 udp64"), BENCH_SECS
# (8), BENCH_OUT (build/bench), NVCTL (build/nvctl). Needs root.

set -u
cd "$(dirname "$0")/../.." || exit 1

NVCTL=$(realpath "${NVCTL:-build/nvctl}")
CONFS=${BENCH_CONFS:-tc xdp tcrx vxlan route}
SECS=${BENCH_SECS:-8}
METRICS=${BENCH_METRICS:-tcp1 udp64}
OUT=${BENCH_OUT:-build/bench}
PY=/usr/bin/python3

# shellcheck source=tests/bench/bench_topo.sh
. tests/bench/bench_topo.sh

bt_prepare
# bpf_stats_enabled back as it was, whatever happens.
on_cleanup "echo $(cat /proc/sys/kernel/bpf_stats_enabled) >/proc/sys/kernel/bpf_stats_enabled"
mkdir -p "$OUT" || die "mkdir $OUT"
PERF=1
if ! perf record -e cpu-clock -a -o "$TMP/probe.data" -- true >/dev/null 2>&1; then
	bt_log "perf record does not work here (linux-perf): bpf_stats only"
	PERF=0
fi

for c in $CONFS; do
	bt_up "$c"
done
for c in $CONFS; do
	for _ in 1 2 3 4 5; do
		bt_in "$c" v1 ping -q -c 1 -W 1 "$(bt_dst "$c")" >/dev/null 2>&1 && break
	done
done
echo 1 >/proc/sys/kernel/bpf_stats_enabled

# Sample the middle of the run: from 1 s in to 1 s before the end.
window=$((SECS - 2))
[ "$window" -ge 1 ] || die "BENCH_SECS must be at least 3"
for m in $METRICS; do
for c in $CONFS; do
	f="$TMP/$c-$m"
	bt_iperf_start "$c" "$m" "$SECS" "$f.iperf.json"
	sleep 1
	bpftool -j prog show >"$f.bpf0.json"
	if [ "$PERF" = 1 ]; then
		perf record -e cpu-clock -a -o "$f.data" -- sleep "$window" >/dev/null 2>&1
		perf report -i "$f.data" --stdio --no-children --sort sym >"$f.report" 2>/dev/null
		rm -f "$f.data"
	else
		sleep "$window"
	fi
	bpftool -j prog show >"$f.bpf1.json"
	bt_iperf_reap
	bt_log "$m $c: profiled"
done
done

# shellcheck disable=SC2086 # one argument per configuration
"$PY" - "$TMP" "$OUT/profile.csv" "$window" "$METRICS" $CONFS <<-'EOF' || die "summary failed"
	import json, os, re, sys
	tmp, csvpath, window = sys.argv[1], sys.argv[2], float(sys.argv[3])
	metrics, confs = sys.argv[4].split(), sys.argv[5:]
	ncpu = os.cpu_count()
	# First match wins; the order matters (bpf_prog_* before the helpers' bpf_*).
	buckets = [
	    ("idle", r"safe_halt|default_idle|cpuidle|do_idle|acpi_idle|poll_idle"),
	    ("our BPF programs", r"^bpf_prog_"),
	    ("BPF helpers and maps", r"^bpf_|^htab_|lookup_nulls|^dev_map|^xdp_do|^__xdp_|adjust_room|^sk_skb_"),
	    ("XDP on a veth (skb to xdp)", r"skb_pp_cow|veth_xdp_rcv_skb|veth_convert|build_skb_around|page_pool"),
	    ("segmentation, checksums", r"skb_segment|gso|csum|checksum"),
	    ("GRO", r"gro"),
	    ("copy to/from user", r"_copy_(to|from)_iter|copy_user|check_object_size"),
	    ("memcpy", r"memcpy|memmove"),
	    ("rest of the kernel and user", r""),
	]
	names = {"tc": "NVGRE, TC delivery", "xdp": "NVGRE, XDP delivery",
	         "tcrx": "NVGRE, xdp-mode none", "vxlan": "kernel VXLAN", "route": "routing"}
	titles = {"tcp1": ("TCP, 1 stream", "Gbit/s"), "udp64": ("UDP, 64-byte payload", "kpps")}

	def measure(c, m):
	    f = f"{tmp}/{c}-{m}"
	    r = {"value": None, "bpf_cpu": 0.0, "progs": [], "share": {}}
	    try:
	        d = json.load(open(f + ".iperf.json"))
	        if m == "udp64":
	            s = d["end"]["sum"]
	            r["value"] = (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3
	        else:
	            r["value"] = d["end"]["sum_received"]["bits_per_second"] / 1e9
	    except Exception as e:
	        print(f"# {c} {m}: iperf3 failed: {e}", file=sys.stderr)
	    try:
	        b0 = {p["id"]: p for p in json.load(open(f + ".bpf0.json"))}
	        agg = {}
	        for p in json.load(open(f + ".bpf1.json")):
	            q = b0.get(p["id"])
	            if not q or not p.get("name", "").startswith("nv_"):
	                continue
	            n = p.get("run_cnt", 0) - q.get("run_cnt", 0)
	            t = p.get("run_time_ns", 0) - q.get("run_time_ns", 0)
	            if n:  # summed per name: both hosts (and stray runs elsewhere, e.g. ARP)
	                agg[p["name"]] = [a + b for a, b in zip(agg.get(p["name"], [0, 0]), [n, t])]
	                r["bpf_cpu"] += t / 1e9
	        r["progs"] = [(k, v[0], v[1]) for k, v in agg.items()]
	    except Exception as e:
	        print(f"# {c} {m}: bpf_stats: {e}", file=sys.stderr)
	    if os.path.exists(f + ".report"):
	        for line in open(f + ".report"):
	            mm = re.match(r"\s+([\d.]+)%\s+\[\S\]\s+(\S+)", line)
	            if not mm:
	                continue
	            pct, sym = float(mm.group(1)), mm.group(2)
	            for b, rx in buckets:
	                if re.search(rx, sym):
	                    r["share"][b] = r["share"].get(b, 0.0) + pct
	                    break
	    return r

	w = 30
	def cell(x, fmt):
	    return (" " + fmt % x + " ") if x is not None else " %12s " % "-"
	f = open(csvpath, "w")
	f.write("metric,config,name,bucket,value,unit\n")
	for m in metrics:
	    title, unit = titles[m]
	    rows = {c: measure(c, m) for c in confs}
	    print("\n%s: share of %d CPUs' time over %.0f s (perf cpu-clock samples)" % (title, ncpu, window))
	    print("| %-*s |" % (w, "bucket") + "|".join(" %12s " % c for c in confs) + "|")
	    print("|%s|" % ("-" * (w + 2)) + "|".join("-" * 13 + ":" for _ in confs) + "|")
	    for b, _ in buckets:
	        print("| %-*s |" % (w, b) + "|".join(" %11.1f%% " % rows[c]["share"].get(b, 0) for c in confs) + "|")
	    busy = {c: ncpu * (100 - rows[c]["share"].get("idle", 0)) / 100 if rows[c]["share"] else None
	            for c in confs}
	    print("| %-*s |" % (w, unit) + "|".join(cell(rows[c]["value"], "%12.2f") for c in confs) + "|")
	    print("| %-*s |" % (w, "busy CPUs") + "|".join(cell(busy[c], "%12.2f") for c in confs) + "|")
	    print("| %-*s |" % (w, unit + " per busy CPU") + "|".join(
	        cell(rows[c]["value"] / busy[c] if rows[c]["value"] and busy[c] else None, "%12.2f")
	        for c in confs) + "|")
	    print("| %-*s |" % (w, "our BPF (bpf_stats), % of CPUs") + "|".join(
	        " %11.1f%% " % (100 * rows[c]["bpf_cpu"] / (ncpu * window)) for c in confs) + "|")
	    print("\nbpf_stats over the window (runs, mean ns per run):")
	    for c in confs:
	        for name, n, t in sorted(rows[c]["progs"]):
	            print("  %-6s %-14s %10d runs %8.0f ns/run" % (c, name, n, t / n))
	    for c in confs:
	        r = rows[c]
	        for b, _ in buckets:
	            f.write('%s,%s,"%s","%s",%.2f,%%cpu\n' % (m, c, names[c], b, r["share"].get(b, 0)))
	        if r["value"] is not None:
	            f.write('%s,%s,"%s",throughput,%.4f,%s\n' % (m, c, names[c], r["value"], unit))
	        if busy[c]:
	            f.write('%s,%s,"%s",busy_cpus,%.3f,cpus\n' % (m, c, names[c], busy[c]))
	        f.write('%s,%s,"%s",bpf_stats,%.2f,%%cpu\n' % (m, c, names[c], 100 * r["bpf_cpu"] / (ncpu * window)))
	        for name, n, t in r["progs"]:
	            f.write('%s,%s,"%s","%s ns/run",%.1f,ns\n' % (m, c, names[c], name, t / n))
	f.close()
	print("\n# CSV: %s" % csvpath)
	EOF
