#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every libFuzzer harness (tests/fuzz/fuzz_<name>.c, built by make fuzz-build into
# BUILD_DIR/fuzz/) on a copy of its seed corpus (tests/fuzz/corpus/<name>/, never written), with
# its dictionary (tests/fuzz/<name>.dict) when there is one, two at a time.
# Usage: tests/fuzz/run.sh [--replay] BUILD_DIR [SECONDS]
#   SECONDS (default 600) per harness; --replay or SECONDS 0: only run the seed corpus once
#   (-runs=0), so that every regression input (crash-*) is checked again.
# Prints per harness the runs executed and the coverage, for a crash its reproducer (kept in
# BUILD_DIR/fuzz/artifacts/) and its bytes in hex; ends with "N passed, M failed" (the line
# tests/run-tests.sh counts). Exits non-zero when a harness failed. FUZZ_JOBS: parallel runs (2).
set -uo pipefail

replay=false
if [ "${1:-}" = --replay ]; then
	replay=true
	shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "Usage: $0 [--replay] BUILD_DIR [SECONDS]" >&2
	exit 2
fi
build=$1
secs=${2:-600}
case $secs in
'' | *[!0-9]*)
	echo "Error: SECONDS must be a number: $secs" >&2
	exit 2
	;;
esac
[ "$secs" -eq 0 ] && replay=true
jobs=${FUZZ_JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$build/fuzz/artifacts
mkdir -p "$artifacts" || exit 1
artifacts=$(cd "$artifacts" && pwd)
tmp=$(mktemp -d) || exit 1
declare -A pid_of=()
# The harnesses still running when we are stopped first (by their pids), then the copies.
cleanup() {
	local f
	for f in "$tmp"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

names=()
for src in "$here"/fuzz_*.c; do
	n=${src##*/fuzz_}
	names+=("${n%.c}")
done

# run NAME: one harness, its output in $tmp/NAME.log, its exit code in $tmp/NAME.rc.
run() {
	local name=$1 bin=$build/fuzz/fuzz_$1 rc=0
	local args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3
		"-artifact_prefix=$artifacts/$name-")

	mkdir -p "$tmp/$name/corpus"
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$tmp/$name/corpus/"
	fi
	[ -f "$here/$name.dict" ] && args+=("-dict=$here/$name.dict")
	if $replay; then
		args+=(-runs=0)
	else
		args+=("-max_total_time=$secs")
	fi
	if [ ! -x "$bin" ]; then
		echo "$bin is not built (make fuzz-build)" >"$tmp/$name.log"
		rc=127
	else
		"$bin" "${args[@]}" "$tmp/$name/corpus" >"$tmp/$name.log" 2>&1 &
		echo $! >"$tmp/$name.pid"
		wait $! || rc=$?
		rm -f "$tmp/$name.pid"
	fi
	echo "$rc" >"$tmp/$name.rc"
}

passed=0
failed=0
# report NAME: its line, and for a failure the reproducer and the end of its log.
report() {
	local name=$1 log=$tmp/$1.log rc runs rate cov crash
	rc=$(cat "$tmp/$name.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok     %-14s %s runs (%s/s), %s\n' "$name" "${runs:-?}" "${rate:-?}" \
			"${cov:-no coverage line}"
		return
	fi
	failed=$((failed + 1))
	printf 'FAILED %-14s exit %s after %s runs, %s\n' "$name" "$rc" "${runs:-?}" \
		"${cov:-no coverage line}"
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	grep -a -E 'ERROR: |invariant failed|runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/    /'
	if [ -n "$crash" ] && [ -f "$crash" ]; then
		echo "    reproducer: $crash ($(wc -c <"$crash") bytes; run: $build/fuzz/fuzz_$name $crash)"
		od -An -tx1 -v "$crash" | head -n 32 | sed 's/^/    /'
	else
		tail -n 20 "$log" | sed 's/^/    /'
	fi
}

if $replay; then
	echo "fuzz: replaying the seed corpora of ${#names[@]} harnesses"
else
	echo "fuzz: ${#names[@]} harnesses, ${secs}s each, $jobs at a time"
fi
declare -A name_of=()
for name in "${names[@]}"; do
	while [ "${#pid_of[@]}" -ge "$jobs" ]; do
		wait -n -p done_pid
		report "${name_of[$done_pid]}"
		unset "pid_of[${name_of[$done_pid]}]"
	done
	run "$name" &
	pid_of[$name]=$!
	name_of[$!]=$name
done
while [ "${#pid_of[@]}" -gt 0 ]; do
	wait -n -p done_pid
	report "${name_of[$done_pid]}"
	unset "pid_of[${name_of[$done_pid]}]"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
