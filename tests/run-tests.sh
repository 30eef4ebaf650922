#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the unit tests (Criterion, one process per test, each in its own network namespace), then
# the suites below them (nvctl, end to end).
# Usage: tests/run-tests.sh [BUILD_DIR]   (default: build). Called by `make test`, as root.
# Exits non-zero when a test fails or cannot run.
set -eu

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

# Two jobs: the machine has two cores, and every test loads its own BPF objects.
# (Not exec'd: the suites below run after it; set -e stops at the first suite that fails.)
"$unit" --jobs "${NV_TEST_JOBS:-2}"

# ---- nvctl (tests/cli): begin ----
# The man page and bash completion against nvctl's command table, then nvctl against a real
# datapath in a private netns and pin dir. Both run; the block fails if either failed.
cli_failed=0
sh "$(dirname "$0")/cli/test_docs.sh" "$build" || cli_failed=1
bash "$(dirname "$0")/cli/test_nvctl.sh" "$build" || cli_failed=1
[ "$cli_failed" -eq 0 ]
# ---- nvctl (tests/cli): end ----

# ---- end to end (tests/e2e): begin ----
# Three hosts, seven VMs and two tenants in network namespaces, configured with nvctl: real
# traffic (ping, iperf3), captures decoded by tshark, counters, reload, detach. Under a minute;
# the watchdog only guards against a hang (the suite cleans up on TERM).
timeout -s TERM "${NV_E2E_TIMEOUT:-300}" bash "$(dirname "$0")/e2e/e2e.sh" "$build"
# ---- end to end (tests/e2e): end ----
