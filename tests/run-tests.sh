#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the unit tests (Criterion, one process per test, each in its own network namespace), then
# the suites below them (nvctl, end to end).
# Usage: tests/run-tests.sh [BUILD_DIR]   (default: build). Called by `make test`, as root, with
# NV_SAN_BUILD set to the sanitizer build (BUILD_DIR-san), whose suites then run too.
# Exits non-zero when a test fails or cannot run.
set -euo pipefail

build=${1:-build}
unit="$build/tests/unit"

if [ ! -x "$unit" ]; then
	echo "Error: $unit is not built (run make)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "Error: the unit tests load BPF programs and create devices: run them as root" >&2
	exit 1
fi
# Loaders and nvctl pin maps there; a fresh machine may not have it mounted.
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi

here=$(dirname "$0")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
failed=0
suites_failed=""

# run NAME CMD...: one suite, its output shown as it comes; its counts are added to the totals
# from its closing line (Criterion's "Synthesis: Tested: T | Passing: P | Failing: F |
# Crashing: C", or "N passed, M failed"). Every suite runs, whatever the others did.
run() {
	local name=$1 rc=0 counts
	shift
	echo "---- $name ----"
	"$@" 2>&1 | tee "$log" || rc=$?
	counts=$(sed -n \
		-e 's/.*Synthesis: Tested: [0-9]* | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2 \3/p' \
		-e 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2 0/p' "$log" | tail -n 1)
	if [ -n "$counts" ]; then
		# shellcheck disable=SC2086 # three numbers, split on purpose
		set -- $counts
		passed=$((passed + $1))
		failed=$((failed + $2 + $3))
		[ $(($2 + $3)) -eq 0 ] || rc=1
	else
		failed=$((failed + 1)) # it never reached its closing line
		[ "$rc" -ne 0 ] || rc=1
	fi
	[ "$rc" -eq 0 ] || suites_failed="$suites_failed $name"
}

# Every suite runs under a watchdog that only guards against a hang (a background monitor or
# server that never ends): the scripts clean up on TERM, as the unit tests' namespaces die with them.
watch() { timeout -s TERM "$1" "${@:2}"; }

# Two jobs: the machine has two cores, and every test loads its own BPF objects.
run unit watch 900 "$unit" --jobs "${NV_TEST_JOBS:-2}"
# Property fuzzing: a million generated and mutated frames through the three programs against
# the reference model (tests/prop); a new seed each run, printed, so a failure can be replayed.
run prop watch 300 "$build/tests/prop" --frames "${NV_PROP_FRAMES:-1000000}" ${NV_PROP_SEED:+--seed "$NV_PROP_SEED"}
# libFuzzer on every parser of outside input (nvctl arguments, batch files, the apply JSON, the etcd
# decoder, trace input, the metrics HTTP path): the seed corpus (crash regressions included), then
# NV_FUZZ_SECONDS (20) of fuzzing each, two at a time. make test builds them (make fuzz-build).
if [ -d "$build/fuzz" ]; then
	run parsers-fuzz watch 600 bash "$here/fuzz/run.sh" "$build" "${NV_FUZZ_SECONDS:-20}"
else
	echo "Error: $build/fuzz is not built (make fuzz-build)" >&2
	failed=$((failed + 1))
	suites_failed="$suites_failed parsers-fuzz"
fi
# The man page and bash completion against nvctl's command table, then nvctl against a real
# datapath in a private netns and pin dir.
run nvctl-docs watch 120 sh "$here/cli/test_docs.sh" "$build"
run nvctl watch 300 bash "$here/cli/test_nvctl.sh" "$build"
# Privileges (nobody refused by name, pins root's alone, no lock nobody can hold, metrics where
# told, no password printed) and writers at once (nothing lost, nothing half applied, signals).
run privileges watch 180 bash "$here/cli/test_privileges.sh" "$build"
# make install into a temporary root: the files, the agent's systemd unit (verified), uninstall.
run install watch 120 bash "$here/cli/test_install.sh" "$build"
# monitor and trace: bad arguments, runtime errors, a trace that leaves the counters alone, a
# monitor that stops at its count and puts the event mode back.
run nvctl-monitor watch 180 bash "$here/cli/test_monitor.sh" "$build"
# stats per port, events, and the Prometheus page (promtool's lint, values against stats show,
# served over HTTP) with real traffic between two VMs on one host.
run nvctl-metrics watch 300 bash "$here/cli/test_metrics.sh" "$build"
# Three hosts, seven VMs and two tenants in network namespaces, configured with nvctl: real
# traffic (ping, iperf3), captures decoded by tshark, counters, reload, detach.
run e2e watch "${NV_E2E_TIMEOUT:-400}" bash "$here/e2e/e2e.sh" "$build"
# The distributed router: three hosts in two physical subnets behind a router namespace, two
# tenants of three subnets each; ping, iperf3, traceroute, TTL expiry, captures, customer routes.
run e2e-routed watch "${NV_E2E_ROUTED_TIMEOUT:-300}" bash "$here/e2e/routed.sh" "$build"
# The gateway: two tenants with the same CAs behind one NAT gateway to an internet namespace, a
# published service, a forward-mode tenant; ping, iperf3, sockets, tshark on the outside, PMTU,
# TTL, connection expiry and a flood that fills the table.
run e2e-gateway watch "${NV_E2E_GATEWAY_TIMEOUT:-300}" bash "$here/e2e/gateway.sh" "$build"

# dp upgrade from a real older build (the previous ABI version's nvctl, built from git history):
# two hosts taken over with their state under 100/s pings, no reply lost.
run e2e-upgrade watch "${NV_E2E_UPGRADE_TIMEOUT:-400}" bash "$here/e2e/upgrade.sh" "$build"
# nvctl agent: three hosts following a real 3-member etcd cluster (etcd-server), keys written by
# etcdctl; pings, a record moved under traffic, garbage, compaction, failover, etcd down, reboot.
run e2e-agent watch "${NV_E2E_AGENT_TIMEOUT:-300}" bash "$here/e2e/agent.sh" "$build"

# The same user space built with AddressSanitizer (LeakSanitizer on) and UndefinedBehaviorSanitizer,
# every report fatal (make test builds it in BUILD-san): the unit suites of the user-space code
# (maps library, policy, codecs, agent keys, events, loader) and nvctl's suite again. The
# datapath suites (from_vm, from_wire, wire_tc, live, gateway), whose user space is the test fixture and
# the same library calls, run once: sanitized they took two minutes more of make test.
if [ -n "${NV_SAN_BUILD:-}" ]; then
	run unit-sanitized watch 900 "$NV_SAN_BUILD/tests/unit" --jobs "${NV_TEST_JOBS:-2}" \
		--filter '!(from_vm|from_wire|wire_tc|live|gateway)/*'
	run nvctl-sanitized watch 400 bash "$here/cli/test_nvctl.sh" "$NV_SAN_BUILD"
fi

echo "---- all suites ----"
[ -z "$suites_failed" ] || echo "failed suites:$suites_failed"
echo "$passed passed, $failed failed"
[ -z "$suites_failed" ]
