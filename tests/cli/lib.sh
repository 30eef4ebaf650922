# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What the nvctl test scripts share: the checks before they start, the test protocol ("ok N -
# name" / "not ok N - name" with "#   " diagnostics, then "N passed, M failed"), and running
# nvctl with its exit code and output captured. Sourced; the script defines in_ns, TMP and PIN.

# cli_preamble BUILD_DIR TOOL...: sets build (absolute) and NVCTL, PY; exits 1 with a message when
# the build, root or a tool is missing; mounts bpffs when it is not.
cli_preamble() {
	local tool
	build=${1:-build}
	shift
	if ! build=$(cd "$build" 2>/dev/null && pwd); then
		echo "Error: ${build}: no such build directory (run make)" >&2
		exit 1
	fi
	NVCTL="$build/nvctl"
	if [ ! -x "$NVCTL" ]; then
		echo "Error: $NVCTL is not built (run make)" >&2
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "Error: $0 attaches BPF programs and creates namespaces: run it as root" >&2
		exit 1
	fi
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "Error: $tool is needed (sh .ci/install-deps.sh installs it)" >&2
			exit 1
		fi
	done
	PY=python3
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# ---- the test protocol: begin NAME; fail MSG... (any number); end ----
n=0 passed=0 failed=0 diag=""
begin() {
	name=$1
	diag=""
}
fail() { diag="$diag$(printf '%s\n' "$*" | sed 's/^/#   /')"$'\n'; }
end() {
	n=$((n + 1))
	if [ -z "$diag" ]; then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		printf '%s' "$diag"
	fi
}

# ---- running nvctl: RC, OUT (stdout), ERR (stderr); stdin from $STDIN ----
STDIN=/dev/null
# shellcheck disable=SC2034 # OUT, RC and ERR are read by the scripts that source this
nvraw() { # PIN_DIR ARGS...
	local pin=$1
	shift
	OUT=$(in_ns "$NVCTL" --pin-dir "$pin" "$@" <"$STDIN" 2>"$TMP/stderr")
	RC=$?
	ERR=$(<"$TMP/stderr")
}
nv() { nvraw "$PIN" "$@"; }
# nvctl must succeed; its stdout in OUT.
nv_ok() {
	nv "$@"
	[ "$RC" -eq 0 ] || fail "nvctl $* exited $RC: $ERR"
}

# JSON on stdin, parsed into d: true when the Python expression $1 is.
json_true() {
	"$PY" -c 'import json, sys; d = json.loads(sys.stdin.read()); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>/dev/null
}
