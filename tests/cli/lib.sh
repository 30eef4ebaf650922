# shellcheck shell=bash disable=SC2034 # OUT, RC, ERR, PIN, build are read by the sourcing scripts
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The nvctl layer of the nvctl test scripts, over the shell harness (tests/lib/tap.sh: the result
# protocol, bad, snapshots; tests/lib/netns.sh: names, namespaces, cleanup). Sourced.
#
#   cli_preamble TAG BUILD_DIR TOOL...   build (absolute), the checks (nvctl built, root, the
#                tools, bpffs), netns_init TAG, TMP, NVCTL (a private copy in TMP), PIN (the
#                instance directory, removed at cleanup), and the host namespace "host" with IPv6
#                off (HOST_IPV6=lo to keep ::1); every command in it bounded by 30 s
#   in_host CMD...     CMD in the host namespace
#   nvraw PIN_DIR ARGS...   nvctl ARGS on that instance in the host namespace, stdin from $STDIN:
#                RC, OUT (stdout), ERR (stderr)
#   nv ARGS...         nvraw on $PIN;  nv_none ARGS...  on $PIN-none (never attached)
#   nv_ok ARGS...      nv, which must succeed
#   events_config PIN_DIR   `events show -j` of that instance without its counters (emitted,
#                rate_limited, ring_full: traffic moves them, no command does), for snapshots

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
# shellcheck source=tests/lib/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"

cli_preamble() {
	local tag=$1
	build=${2:-build}
	shift 2
	build=$(cd "$build" 2>/dev/null && pwd) || die "${build}: no such build directory (run make)"
	NVCTL="$build/nvctl"
	need_built "$NVCTL"
	need_root "$0 attaches BPF programs and creates namespaces"
	need_tools ip nsenter timeout "$@"
	need_bpffs
	netns_init "$tag"
	tmp_make
	# Private copy: the build tree may change under a long run (make in another shell), and
	# nobody may not be allowed into it.
	NVCTL=$(own_copy "$NVCTL")
	PIN=$(pin_dir "")
	pin_own "$PIN" host
	pin_own "$PIN-none"
	NS_TIMEOUT=30
	if [ "${HOST_IPV6:-}" = lo ]; then
		ns_add host lo-ipv6
	else
		ns_add host
	fi
}

in_host() { in_ns host "$@"; }

STDIN=/dev/null
nvraw() {
	local pin=$1
	shift
	OUT=$(in_host "$NVCTL" --pin-dir "$pin" "$@" <"$STDIN" 2>"$TMP/stderr")
	RC=$?
	ERR=$(<"$TMP/stderr")
}
nv() { nvraw "$PIN" "$@"; }
nv_none() { nvraw "$PIN-none" "$@"; }
nv_ok() {
	nv "$@"
	[ "$RC" -eq 0 ] || fail "nvctl $* exited $RC: $ERR"
}

events_config() {
	in_host "$NVCTL" --pin-dir "$1" -j events show 2>&1 | "$PY" -c '
import json, sys
s = sys.stdin.read()
try:
    d = json.loads(s)
except ValueError:
    print(s)  # an error: compared as it is
else:
    print(json.dumps({k: v for k, v in d.items() if k not in ("emitted", "rate_limited", "ring_full")}))'
}
