# shellcheck shell=bash disable=SC2034 # TMP, BG_PID, BG_RC, RUN_ID are read by the sourcing script
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What a test or bench run makes on the machine (network namespaces, pin directories, background
# processes, a temporary directory) under names unique to the run, and one cleanup that removes
# all of it: on EXIT, INT and TERM, on success and on failure, at any stage. Sourced (bash; works
# under set -u and set -e). Parallel runs (other worktrees, other suites) never share a name.
#
#   netns_init TAG [ID]   RUN_ID (ID, or the pid and 24 random bits), and the trap; names are
#                         namespaces "TAG-RUN_ID-NAME" (in /run/netns), pin directories
#                         "/sys/fs/bpf/TAG-RUN_ID[-NAME]", the temporary directory
#                         "/tmp/TAG-RUN_ID.XXXXXX"
#   die MSG               "Bail out! MSG" on stderr, exit 1 (the cleanup runs)
#   need_root WHY, need_tools TOOL..., need_built FILE, need_bpffs   the checks before a run
#   ns_add NAME [lo-ipv6]  a namespace with IPv6 off (no router solicitations, ND or MLD from
#                         anything made in it: drops the datapath would count) and lo up; with
#                         lo-ipv6, IPv6 stays on lo alone (::1) and off on every device made later
#   ns_name NAME, ns_path NAME   its name, its /run/netns path
#   in_ns NAME CMD...     CMD in the namespace, through nsenter --net: `ip netns exec` would
#                         remount /sys and hide the pins in /sys/fs/bpf (DESIGN 12). Bounded by
#                         `timeout $NS_TIMEOUT` when NS_TIMEOUT is set.
#   ns_sysctl NAME KEY VALUE   /proc/sys/KEY in the namespace (no procps needed)
#   bg_in_ns NAME CMD...  CMD in the namespace in the background; BG_PID is CMD's own pid (nsenter
#                         execs it; a function put in the background would be a subshell whose
#                         death leaves CMD running), ended at cleanup. Redirect the call itself.
#   bg_own PID            end PID at cleanup too;  bg_forget PID  it was reaped: forget it
#   bg_stop PID [SIG]     send SIG (TERM), wait for the exit (KILL after 10 s), forget it; its
#                         status in BG_RC
#   pin_dir [NAME]        the path of a pin directory of this run
#   pin_own PATH [NODE]   remove PATH at cleanup; with NODE, first `$NVCTL --pin-dir PATH dp
#                         detach` in NODE's namespace when PATH is a directory
#   tmp_make              TMP: the run's temporary directory (mode 755: nvctl copies in it run as
#                         nobody too); kept at cleanup when NETNS_KEEP=1
#   own_copy FILE         copies FILE into TMP, prints the copy's path: a `make` relinking the build
#                         tree meanwhile cannot change what a long run executes
#   on_cleanup CMD        eval CMD at cleanup, before the rest (last registered first)
#   netns_cleanup         the cleanup itself (idempotent): hooks; every registered process and
#                         every process left in a namespace of the run; detach; namespaces; pins;
#                         libxdp's lock directory when empty; TMP

NETNS_TAG="" RUN_ID="" TMP="" BG_PID="" BG_RC=0
NETNS_NS=() NETNS_PINS=() NETNS_PIDS=() NETNS_HOOKS=() NETNS_ACTIVE=0

die() {
	printf 'Bail out! %s\n' "$*" >&2
	exit 1
}

need_root() { [ "$(id -u)" -eq 0 ] || die "$1: run it as root"; }
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$t is needed (sh .ci/install-deps.sh installs it)"
	done
}
need_built() { [ -x "$1" ] || die "$1 is not built (run make)"; }
need_bpffs() { mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs"; }

netns_init() {
	NETNS_TAG=$1
	RUN_ID=${2:-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
	NETNS_ACTIVE=1
	trap 'netns_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

ns_name() { echo "$NETNS_TAG-$RUN_ID-$1"; }
ns_path() { echo "/run/netns/$NETNS_TAG-$RUN_ID-$1"; }

ns_add() {
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns" || die "ip netns add $ns"
	NETNS_NS+=("$ns")
	if [ "${2:-}" = lo-ipv6 ]; then
		ns_sysctl "$1" net/ipv6/conf/default/disable_ipv6 1
	else
		ns_sysctl "$1" net/ipv6/conf/all/disable_ipv6 1
		ns_sysctl "$1" net/ipv6/conf/default/disable_ipv6 1
	fi
	ip -n "$ns" link set lo up || die "lo up in $ns"
}

# No command substitution in in_ns and bg_in_ns: no fork but nsenter's (the control-plane bench
# times single commands through them).
in_ns() {
	local p="/run/netns/$NETNS_TAG-$RUN_ID-$1"
	shift
	if [ -n "${NS_TIMEOUT:-}" ]; then
		timeout "$NS_TIMEOUT" nsenter --net="$p" -- "$@"
	else
		nsenter --net="$p" -- "$@"
	fi
}

ns_sysctl() { in_ns "$1" tee "/proc/sys/$2" <<<"$3" >/dev/null; }

bg_in_ns() {
	local p="/run/netns/$NETNS_TAG-$RUN_ID-$1"
	shift
	nsenter --net="$p" -- "$@" &
	BG_PID=$!
	NETNS_PIDS+=("$BG_PID")
}

bg_own() { NETNS_PIDS+=("$1"); }

bg_forget() {
	local i
	for i in "${!NETNS_PIDS[@]}"; do
		[ "${NETNS_PIDS[$i]}" != "$1" ] || unset 'NETNS_PIDS[i]'
	done
}

bg_stop() {
	local pid=$1 i
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	BG_RC=0
	wait "$pid" 2>/dev/null || BG_RC=$?
	bg_forget "$pid"
}

pin_dir() { echo "/sys/fs/bpf/$NETNS_TAG-$RUN_ID${1:+-$1}"; }
pin_own() { NETNS_PINS+=("$1"$'\t'"${2:-}"); }

tmp_make() {
	TMP=$(mktemp -d "/tmp/$NETNS_TAG-$RUN_ID.XXXXXX") || die "mktemp"
	chmod 755 "$TMP"
}

own_copy() {
	local f
	f="$TMP/$(basename "$1")"
	if ! cp "$1" "$f" || ! chmod 755 "$f"; then
		die "cannot copy $1 to $TMP"
	fi
	echo "$f"
}

on_cleanup() { NETNS_HOOKS+=("$1"); }

netns_cleanup() {
	local i pid ns path node p
	[ "$NETNS_ACTIVE" = 1 ] || return 0
	NETNS_ACTIVE=0
	trap - EXIT INT TERM
	set +e
	for ((i = ${#NETNS_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${NETNS_HOOKS[$i]}"
	done
	# Our background processes, then whatever is still inside our namespaces (a process left in
	# a deleted namespace would keep it, and its devices, alive).
	for ns in "${NETNS_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			NETNS_PIDS+=("$pid")
		done
	done
	for pid in "${NETNS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${NETNS_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	NETNS_PIDS=()
	for p in "${NETNS_PINS[@]}"; do
		path=${p%%$'\t'*}
		node=${p#*$'\t'}
		if [ -n "$node" ] && [ -d "$path" ] && [ -e "$(ns_path "$node")" ] && [ -n "${NVCTL:-}" ]; then
			timeout 20 nsenter --net="$(ns_path "$node")" -- "$NVCTL" --pin-dir "$path" dp detach \
				>/dev/null 2>&1
		fi
	done
	for ((i = ${#NETNS_NS[@]} - 1; i >= 0; i--)); do
		ip netns del "${NETNS_NS[$i]}" 2>/dev/null
	done
	for p in "${NETNS_PINS[@]}"; do
		rm -rf "${p%%$'\t'*}"
	done
	rmdir /sys/fs/bpf/xdp 2>/dev/null # libxdp's lock directory, when nobody else uses it
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		if [ "${NETNS_KEEP:-0}" = 1 ]; then
			printf '# kept %s\n' "$TMP" >&2
		else
			rm -rf "$TMP"
		fi
	fi
	return 0
}
