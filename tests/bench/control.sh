#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Control plane bench (issue 4, case 4), in a private network namespace with its own pin directory:
#   1. load N (default 1,000,000) lookup records with one `nvctl batch file` into a fresh instance,
#      RUNS times (each run attaches a fresh datapath): seconds and records/s;
#   2. the latency of one nvctl command (`record add`, `record del`), median of REPS runs, as a
#      ratio to `nvctl -V` (start-up only) and to `true` (a fork + exec), measured interleaved;
#   3. sustained single-record updates per second through nvctl (a record add + del loop) while a
#      VM pings another VM of the same host through the datapath every 10 ms (loss reported);
#   4. map memory per record from the kernel's own accounting: bpftool's bytes_memlock of the
#      instance's nv_records with 0 and with N entries (a preallocated hash map accounts all of
#      its max_entries when it is created, so both are the same: memory per slot = memlock /
#      max_entries, and per loaded record = memlock / N).
# Prints a table and writes CSV (metric,runs,min,median,max,unit) to BUILD/bench/control.csv.
# Asserts nothing about time. Usage: tests/bench/control.sh [BUILD_DIR]   (default: build). Root.
# Environment: N (records), RUNS (loads, default 3), REPS (latency, default 30), SECS (update loop,
# default 5).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
build=$(cd "$build" && pwd)
NVCTL="$build/nvctl"
N=${N:-1000000}
RUNS=${RUNS:-3}
REPS=${REPS:-30}
SECS=${SECS:-5}
# shellcheck source=tests/lib/netns.sh
. "$here/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
. "$here/../lib/topo.sh"

# One host (its underlay on a switch nothing else is on) with two VMs of one tenant: the
# topology library's picture, its cleanup on EXIT, INT and TERM.
netns_init nvgre-cp
topo_prepare bpftool jq ping awk
topo_switch sw
topo_host h1 sw 192.0.2.1
# One /8 holds the VMs (10.0.0.1, .2), the loaded records (10.0.1.1 and up) and 10.9.0.1; its
# gateway is an address none of them uses.
topo_tenant T 5001 1 10.0.0.0/8 10.255.255.254
topo_vm v1 T h1 1 # 10.0.0.1, MTU 1458
topo_vm v2 T h1 2
topo_build sw
PIN=$(pin_dir h1)
pin_own "$PIN" h1

# nvctl in the host's namespace (nsenter, not ip netns exec: that would hide the pins).
nvctl() { nvctl_on h1 "$@"; }
now_ns() { local t=${EPOCHREALTIME/./}; echo $((t * 1000)); } # bash 5: no fork
# stats VALUES...: "min median max" of numbers.
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.6g %.6g %.6g\n", v[1], m, v[NR] }'; }

attach() { nvctl dp attach dev ul pa 192.0.2.1 >/dev/null; }
records_memlock() # -> "bytes_memlock max_entries" of this instance's nv_records
{
	local f
	f=$(echo "$PIN"/maps-v*/nv_records)
	bpftool -j map show pinned "$f" | jq -r '"\(.bytes_memlock) \(.max_entries)"'
}

CSV=()
ROWS=()
row() # METRIC RUNS "MIN MEDIAN MAX" UNIT
{
	local m=$1 r=$2 unit=$4
	read -r lo me hi <<<"$3"
	CSV+=("$m,$r,$lo,$me,$hi,$unit")
	ROWS+=("$(printf '%-48s %5s %14s %14s %14s  %s' "$m" "$r" "$lo" "$me" "$hi" "$unit")")
}

# ---- 1. loading N records with one batch ----
echo "# generating $N records"
awk -v n="$N" -v subnet="$(topo_subnet_args T)" 'BEGIN {
	print "subnet add " subnet
	for (i = 1; i <= n; i++) {
		a = i + 256
		printf "record add vsid 5001 ca 10.%d.%d.%d mac 02:4e:%02x:%02x:%02x:%02x pa 198.51.%d.%d\n",
			int(a / 65536) % 256, int(a / 256) % 256, a % 256,
			int(a / 16777216) % 256, int(a / 65536) % 256, int(a / 256) % 256, a % 256,
			int(i / 250) % 256, 1 + i % 250
	}
}' >"$TMP/records.batch"
secs=() rates=()
mem0="" mem1=""
for r in $(seq "$RUNS"); do
	attach
	[ -n "$mem0" ] || mem0=$(records_memlock)
	t0=$(now_ns)
	nvctl batch file "$TMP/records.batch"
	t1=$(now_ns)
	[ -n "$mem1" ] || mem1=$(records_memlock)
	count=$(nvctl dp show | sed -n 's/.*records \([0-9]*\)\/.*/\1/p')
	[ "$count" = "$N" ] || { echo "Error: $count records loaded, expected $N" >&2; exit 1; }
	s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')
	secs+=("$s")
	rates+=("$(awk -v s="$s" -v n="$N" 'BEGIN { printf "%.0f", n / s }')")
	echo "# load run $r: $s s"
	nvctl dp detach
done
row "load $N records (batch file)" "$RUNS" "$(stats "${secs[@]}")" "s"
row "load rate" "$RUNS" "$(stats "${rates[@]}")" "records/s"

# ---- 4. memory per record (kernel accounting) ----
read -r ml0 maxe <<<"$mem0"
read -r ml1 _ <<<"$mem1"
row "nv_records memlock, 0 records" 1 "$ml0 $ml0 $ml0" "bytes"
row "nv_records memlock, $N records" 1 "$ml1 $ml1 $ml1" "bytes"
row "nv_records max_entries (preallocated)" 1 "$maxe $maxe $maxe" "entries"
v=$(awk -v a="$ml1" -v n="$N" 'BEGIN { printf "%.1f", a / n }')
row "memlock per loaded record ($N)" 1 "$v $v $v" "bytes"
v=$(awk -v a="$ml1" -v n="$maxe" 'BEGIN { printf "%.1f", a / n }')
row "memlock per slot (max_entries)" 1 "$v $v $v" "bytes"
v=$(awk -v a="$ml1" -v b="$ml0" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }')
row "memlock growth per record (N vs 0)" 1 "$v $v $v" "bytes"

# ---- 2. one command's latency, interleaved with its baselines ----
attach
read -r -a subnet_args <<<"$(topo_subnet_args T)"
nvctl subnet add "${subnet_args[@]}"
lat_add=() lat_del=() lat_v=() lat_true=()
for i in $(seq "$REPS"); do
	t0=$(now_ns)
	in_ns h1 true
	t1=$(now_ns)
	in_ns h1 "$NVCTL" -V >/dev/null
	t2=$(now_ns)
	nvctl record add vsid 5001 ca 10.9.0.1 mac 02:4e:56:00:09:01 pa 198.51.100.9
	t3=$(now_ns)
	nvctl record del vsid 5001 ca 10.9.0.1
	t4=$(now_ns)
	lat_true+=($(((t1 - t0) / 1000)))
	lat_v+=($(((t2 - t1) / 1000)))
	lat_add+=($(((t3 - t2) / 1000)))
	lat_del+=($(((t4 - t3) / 1000)))
done
read -r _ med_true _ <<<"$(stats "${lat_true[@]}")"
read -r _ med_v _ <<<"$(stats "${lat_v[@]}")"
row "latency: true (nsenter + fork/exec)" "$REPS" "$(stats "${lat_true[@]}")" "us"
row "latency: nvctl -V" "$REPS" "$(stats "${lat_v[@]}")" "us"
row "latency: nvctl record add" "$REPS" "$(stats "${lat_add[@]}")" "us"
row "latency: nvctl record del" "$REPS" "$(stats "${lat_del[@]}")" "us"
for c in add del; do
	declare -n arr="lat_$c"
	read -r _ med _ <<<"$(stats "${arr[@]}")"
	v=$(awk -v a="$med" -v b="$med_v" 'BEGIN { printf "%.2f", a / b }')
	row "latency ratio: record $c / nvctl -V (medians)" "$REPS" "$v $v $v" "x"
	v=$(awk -v a="$med" -v b="$med_true" 'BEGIN { printf "%.2f", a / b }')
	row "latency ratio: record $c / true (medians)" "$REPS" "$v $v $v" "x"
	unset -n arr
done

# ---- 3. sustained single-record updates while two VMs ping through the datapath ----
for vm in v1 v2; do
	nvctl record add vsid 5001 ca "$(vm_ca "$vm")" mac "$(vm_mac "$vm")" pa 192.0.2.1
	topo_port_add "$vm" tc
done
in_ns v1 ping -c 3 -W 1 10.0.0.2 >/dev/null || die "VM1 cannot ping VM2 through the datapath"
bg_in_ns v1 ping -q -i 0.01 -w $((SECS + 2)) 10.0.0.2 >"$TMP/ping.out" 2>&1
PING_PID=$BG_PID
sleep 0.5
ups=0
t0=$(now_ns)
end=$((t0 + SECS * 1000000000))
while [ "$(now_ns)" -lt "$end" ]; do
	nvctl record add vsid 5001 ca 10.9.0.1 mac 02:4e:56:00:09:01 pa 198.51.100.9
	nvctl record del vsid 5001 ca 10.9.0.1
	ups=$((ups + 2))
done
t1=$(now_ns)
wait "$PING_PID" || true
bg_forget "$PING_PID"
rate=$(awk -v u="$ups" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", u / (d / 1e9) }')
row "single-record updates/s under traffic (${SECS}s)" 1 "$rate $rate $rate" "updates/s"
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$TMP/ping.out")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMP/ping.out")
row "ping every 10 ms meanwhile: sent" 1 "$sent $sent $sent" "packets"
row "ping every 10 ms meanwhile: loss" 1 "${loss:-?} ${loss:-?} ${loss:-?}" "%"
nvctl dp detach

# ---- report ----
mkdir -p "$build/bench"
{
	echo "metric,runs,min,median,max,unit"
	printf '%s\n' "${CSV[@]}"
} >"$build/bench/control.csv"
printf '%-48s %5s %14s %14s %14s  %s\n' "metric" "runs" "min" "median" "max" "unit"
printf '%s\n' "${ROWS[@]}"
echo "# CSV: $build/bench/control.csv"
