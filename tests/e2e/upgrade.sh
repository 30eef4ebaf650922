#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Upgrade from a real older build: nvctl of the previous ABI version (the last commit before
# NV_ABI_VERSION took its current value, taken from git and built once into BUILD_DIR/abi-v<N>-*)
# attaches two hosts and configures them (subnets, records, ports, a customer route); then this
# build's nvctl:
#   - dp attach refuses the older instance and names `nvctl dp upgrade`, changing nothing
#   - dp upgrade takes each host over with its state while VMs ping across hosts, on one host and
#     across subnets at 100/s: no reply lost, the same objects, ABI v<now> in dp show, no old pin
#   - the upgraded hosts forward, reload, and detach leaving nothing; a second upgrade has nothing
#     to do
#
#   sw: h1 192.0.2.1, h2 192.0.2.2; tenant A rdid 1: vsid 5001 10.0.0.0/24, 5002 10.0.1.0/24
#   h1: a1 (5001 .1), a3 (5001 .3)   h2: a2 (5001 .2), c5 (5002 10.0.1.5)
#
# Usage: tests/e2e/upgrade.sh [BUILD_DIR]   (default: build; as root). Run by tests/run-tests.sh.
# Without git history (a tarball, a shallow clone) there is no older build to test against: it
# says so and exits 0 with one skipped test.
set -euo pipefail
export LC_ALL=C

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(realpath -m "${1:-build}")
NVCTL=$BUILD/nvctl
# shellcheck source=tests/lib/tap.sh
source "$E2E_DIR/../lib/tap.sh"
# shellcheck source=tests/lib/netns.sh
source "$E2E_DIR/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
source "$E2E_DIR/../lib/topo.sh"
# shellcheck source=tests/e2e/e2e_lib.sh
source "$E2E_DIR/e2e_lib.sh"

netns_init nvgre-up "${E2E_ID:-}"

topo_switch sw
topo_host h1 sw 192.0.2.1
topo_host h2 sw 192.0.2.2
topo_tenant A1 5001 1 10.0.0.0/24 10.0.0.254
topo_tenant A2 5002 1 10.0.1.0/24 10.0.1.254
topo_vm a1 A1 h1 1
topo_vm a3 A1 h1 3
topo_vm a2 A1 h2 2
topo_vm c5 A2 h2 5

REPO=$(git -C "$E2E_DIR" rev-parse --show-toplevel 2>/dev/null || true)
ABI=$(sed -n 's/^#define NV_ABI_VERSION \([0-9]*\).*/\1/p' "$E2E_DIR/../../maps/nvgre_abi.h")

# The last commit of ABI version ABI-1: the parent of the one that set the current version.
old_commit() {
	local intro
	[ -n "$REPO" ] || return 1
	intro=$(git -C "$REPO" log -n1 --format=%H -S"#define NV_ABI_VERSION $ABI" -- maps/nvgre_abi.h)
	[ -n "$intro" ] || return 1
	git -C "$REPO" rev-parse -q --verify "$intro^" 2>/dev/null
}

# Its nvctl, built once (outputs stay in BUILD_DIR, never in the source tree).
old_nvctl() {
	local c=$1 dir
	dir=$BUILD/abi-v$((ABI - 1))-${c:0:12}
	if [ ! -x "$dir/build/nvctl" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		git -C "$REPO" archive "$c" | tar -x -C "$dir" || return 1
		note "building nvctl ABI v$((ABI - 1)) from ${c:0:12} into $dir" >&2
		make -C "$dir" -j2 build/nvctl >"$dir.log" 2>&1 || {
			tail -5 "$dir.log" >&2
			return 1
		}
	fi
	echo "$dir/build/nvctl"
}

on() { # HOST nvctl ARGS: this build's nvctl on HOST
	local h=$1
	shift
	in_ns "$h" "$NEW" --pin-dir "$(pin_dir "$h")" "$@"
}

count_json() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# objects HOST NVCTL: the host's policy as nvctl shows it, one line per object kind.
objects() {
	local h=$1 n=$2 o
	for o in subnet pa port record route; do
		printf '%s %s\n' "$o" "$(in_ns "$h" "$n" --pin-dir "$(pin_dir "$h")" -j "$o" show | count_json)"
	done
}

t_old_works() {
	expect_eq "h1 dp show ABI (older nvctl)" "$((ABI - 1))" \
		"$(in_ns h1 "$OLD" --pin-dir "$(pin_dir h1)" -j dp show | python3 -c 'import json,sys; print(json.load(sys.stdin)["abi"])')"
	expect_eq "a1 -> a2 (across hosts)" 5 "$(vm_ping a1 10.0.0.2 5)"
	expect_eq "a1 -> a3 (same host)" 5 "$(vm_ping a1 10.0.0.3 5)"
	expect_eq "a1 -> c5 (routed)" 5 "$(vm_ping a1 10.0.1.5 5)"
}

t_attach_refused() {
	local err rc=0 before
	before=$(ls -R "$(pin_dir h1)")
	err=$(on h1 dp attach dev ul pa 192.0.2.1 2>&1 >/dev/null) || rc=$?
	expect_eq "exit" 1 "$rc"
	case $err in *"ABI v$((ABI - 1))"*"nvctl dp upgrade"*) ;; *) fail "message: $err" ;; esac
	expect_eq "the pins" "$before" "$(ls -R "$(pin_dir h1)")"
	expect_eq "a1 -> a2 after the refusal" 3 "$(vm_ping a1 10.0.0.2 3)"
}

t_upgrade_under_traffic() {
	local h out p1 p2 p3 r1 r2 r3
	OBJ_H1=$(objects h1 "$OLD")
	OBJ_H2=$(objects h2 "$OLD")
	# About 100/s (iputils sends -i 0.01 at 62/s here, -i 0.009 at 100/s) on every path, the
	# upgrades in the middle.
	in_ns a1 ping -q -n -c 400 -i 0.009 -W 1 10.0.0.2 >"$TMP/p1" 2>&1 &
	p1=$!
	in_ns a3 ping -q -n -c 400 -i 0.009 -W 1 10.0.0.1 >"$TMP/p2" 2>&1 &
	p2=$!
	in_ns c5 ping -q -n -c 400 -i 0.009 -W 1 10.0.0.3 >"$TMP/p3" 2>&1 &
	p3=$!
	bg_own $p1
	bg_own $p2
	bg_own $p3
	sleep 1
	for h in h1 h2; do
		out=$(on "$h" -j dp upgrade 2>&1) || {
			fail "$h: dp upgrade: $out"
			continue
		}
		note "$h: $out"
		expect_eq "$h: records carried" \
			"$(sed -n 's/^record //p' <<<"$([ "$h" = h1 ] && echo "$OBJ_H1" || echo "$OBJ_H2")")" \
			"$(python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' <<<"$out")"
		sleep 0.5
	done
	wait $p1 $p2 $p3 || true
	r1=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/p1")
	r2=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/p2")
	r3=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/p3")
	note "replies during the upgrades: a1->a2 ${r1:-0}/400, a3->a1 ${r2:-0}/400, c5->a3 ${r3:-0}/400"
	expect_eq "a1 -> a2 replies (across hosts)" 400 "${r1:-0}"
	expect_eq "a3 -> a1 replies (same host)" 400 "${r2:-0}"
	expect_eq "c5 -> a3 replies (routed)" 400 "${r3:-0}"
}

t_state_kept() {
	local h d
	expect_eq "h1 objects" "$OBJ_H1" "$(objects h1 "$NEW")"
	expect_eq "h2 objects" "$OBJ_H2" "$(objects h2 "$NEW")"
	for h in h1 h2; do
		expect_eq "$h dp show ABI" "$ABI" \
			"$(on "$h" -j dp show | python3 -c 'import json,sys; print(json.load(sys.stdin)["abi"])')"
		d=$(find "$(pin_dir "$h")" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | xargs)
		expect_eq "$h pin directory" "maps-v$ABI progs-v$ABI" "$d"
	done
}

t_after() {
	local rc=0 err
	expect_eq "a1 -> c5 (routed)" 3 "$(vm_ping a1 10.0.1.5 3)"
	on h1 dp reload || fail "dp reload after the upgrade"
	expect_eq "a2 -> a1 after a reload" 3 "$(vm_ping a2 10.0.0.1 3)"
	err=$(on h1 dp upgrade 2>&1) || rc=$?
	expect_eq "a second upgrade: exit" 1 "$rc"
	case $err in *"nothing to upgrade"*) ;; *) fail "a second upgrade: $err" ;; esac
	for h in h1 h2; do
		on "$h" dp detach || fail "$h: dp detach"
		[ ! -e "$(pin_dir "$h")" ] || fail "$h: $(pin_dir "$h") left"
		in_ns "$h" ip -d link show ul | grep -q "prog/xdp" && fail "$h: an XDP program left on ul"
		[ -z "$(in_ns "$h" tc filter show dev ul ingress)" ] || fail "$h: a filter left on ul"
	done
}

main() {
	local c
	topo_prepare ping
	NEW=$NVCTL
	if ! c=$(old_commit); then
		note "no git history here (a tarball or a shallow clone): no older build to upgrade from"
		echo "ok 1 - upgrade from ABI v$((ABI - 1)) # SKIP no git history"
		echo "1 passed, 0 failed"
		return 0
	fi
	OLD=$(old_nvctl "$c") || tap_bail "could not build nvctl ABI v$((ABI - 1)) from ${c:0:12}"
	if ! cp "$OLD" "$TMP/nvctl-old" || ! chmod 755 "$TMP/nvctl-old"; then
		die "cannot copy $OLD"
	fi
	OLD=$TMP/nvctl-old
	topo_build sw
	NVCTL=$OLD topo_configure sw tc
	for h in h1 h2; do
		in_ns "$h" "$OLD" --pin-dir "$(pin_dir "$h")" route add rdid 1 prefix 10.9.0.0/16 \
			nexthop 10.0.0.2 || die "$h: route add"
	done
	for vm in a1 a3 a2 c5; do
		topo_vm_default_route "$vm"
	done
	run_test "the older nvctl (ABI v$((ABI - 1)), ${c:0:12}): VMs ping across hosts, on one host, across subnets" t_old_works
	run_test "dp attach refuses the older instance, names nvctl dp upgrade, changes nothing" t_attach_refused
	run_test "dp upgrade on both hosts under 100/s pings on three paths: no reply lost" t_upgrade_under_traffic
	run_test "the same subnets, PAs, ports, records and routes; ABI v$ABI; no old pin" t_state_kept
	run_test "upgraded: routed ping, reload, nothing left to upgrade, detach leaves nothing" t_after
	tap_done
}

main "$@"
