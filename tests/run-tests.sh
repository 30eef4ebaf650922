#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the unit tests (Criterion, one process per test, each in its own network namespace).
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
exec "$unit" --jobs "${NV_TEST_JOBS:-2}"
