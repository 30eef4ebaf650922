#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The chart of case 1: ns/packet of each path with the small table and a hot key (bars), and with
# 2^20 records and spread keys (a second bar where the path has one), from DIR/perpacket.csv of
# the same run, into DIR/perpacket.png. gnuplot from Debian; without it, says so and exits 0.
# Usage: tests/bench/perpacket_chart.sh DIR
set -u
dir=${1:?usage: perpacket_chart.sh DIR}
csv="$dir/perpacket.csv"
[ -s "$csv" ] || { echo "# $csv is missing: no chart" >&2; exit 1; }
command -v gnuplot >/dev/null 2>&1 || { echo "# gnuplot not found: no chart" >&2; exit 0; }
tmp=$(mktemp -d /tmp/nvgre-chart.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# One line per path: label, small/hot ns, large/spread ns (0 when the path has none).
/usr/bin/python3 - "$csv" >"$tmp/pp.dat" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
order, hot, spread = [], {}, {}
for r in rows:
    key = (r["hook"], r["path"])
    if key not in order:
        order.append(key)
    if r["keys"] in ("hot", "-") and key not in hot:
        hot[key] = float(r["median_ns"])
    if r["keys"] == "spread":
        spread[key] = float(r["median_ns"])
for hook, path in order:
    print('"%s (%s)" %g %g' % (path, hook, hot.get((hook, path), 0), spread.get((hook, path), 0)))
PY
n=$(wc -l <"$tmp/pp.dat")
cat >"$tmp/pp.gp" <<GP
set terminal pngcairo size 1100,$((120 + 22 * n)) font "sans,9" noenhanced
set output "$dir/perpacket.png"
set title "ns per packet, BPF_PROG_TEST_RUN (median of interleaved rounds); no-op rows are the baselines"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set key outside bottom center horizontal
set grid xtics
set yrange [*:*] reverse
set ytics nomirror
set xlabel "ns"
set xrange [0:*]
unset ytics
set ytics nomirror
plot "$tmp/pp.dat" using (\$2):0:(0):(\$2):(\$0-0.3):(\$0+0.0):ytic(1) with boxxyerrorbars lc rgb "#4477aa" title "small table, hot key", \
     "" using (\$3):0:(0):(\$3):(\$0):(\$0+0.3) with boxxyerrorbars lc rgb "#cc6677" title "2^20 records, spread keys"
GP
gnuplot "$tmp/pp.gp" && echo "# chart: $dir/perpacket.png" >&2
